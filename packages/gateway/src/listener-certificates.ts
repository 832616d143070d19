// HTTPS listener `tls.certificateRefs`: each a kubernetes.io/tls Secret, validated as a
// server certificate and carried on the listener's endpoints by reference. Without any,
// the edge's own certificate is used.
import { X509Certificate } from 'node:crypto';
import type { CertificateInfo, ResourceRef } from '@kupstream/core';
import type { TranslationContext } from './context.js';
import { Reason } from './reasons.js';
import { resolveGatewaySecret } from './secret-references.js';

export interface ListenerCertificates {
  certificates: CertificateInfo[];
  /** The first problem, as a ResolvedRefs reason; undefined when every reference resolved. */
  problem?: { reason: string; message: string };
}

export function resolveListenerCertificates(
  ctx: TranslationContext,
  refs: unknown,
  gatewayRef: ResourceRef,
  field: string,
  hostname: string | undefined,
): ListenerCertificates {
  // None given: the edge terminates TLS with a certificate it manages (ngrok's model).
  if (refs === undefined || refs === null || (Array.isArray(refs) && refs.length === 0)) return { certificates: [] };
  if (!Array.isArray(refs)) {
    const message = `${field} must be a list of Secret references`;
    ctx.diagnostics.error('ListenerCertificateRefsInvalid', gatewayRef, message, field);
    return { certificates: [], problem: { reason: Reason.InvalidCertificateRef, message } };
  }
  const certificates: CertificateInfo[] = [];
  let problem: ListenerCertificates['problem'];
  refs.forEach((value, i) => {
    const outcome = resolveGatewaySecret(ctx, value, gatewayRef, `${field}[${i}]`, 'server');
    if (outcome.ok) {
      certificates.push(outcome.info);
      const pem = ctx.credentials.get(outcome.secret)?.certChainPem;
      if (hostname !== undefined && pem !== undefined && !certificateNames(pem).some((name) => tlsNameMatches(name, hostname))) {
        ctx.diagnostics.warning(
          'ListenerCertificateHostnameMismatch',
          gatewayRef,
          `certificate ${outcome.info.subject} in Secret ${outcome.secret.namespace}/${outcome.secret.name} has no DNS name covering ${hostname}; clients will reject it`,
          `${field}[${i}]`,
        );
      }
    } else
      problem ??= {
        reason: outcome.failure === 'notPermitted' ? Reason.RefNotPermitted : Reason.InvalidCertificateRef,
        message: outcome.message,
      };
  });
  return { certificates, ...(problem ? { problem } : {}) };
}

/** DNS names of the leaf's subjectAltName (what clients check; the CN is not). */
function certificateNames(chainPem: string): string[] {
  try {
    const san = new X509Certificate(chainPem).subjectAltName ?? '';
    return san
      .split(', ')
      .filter((entry) => entry.startsWith('DNS:'))
      .map((entry) => entry.slice(4).toLowerCase());
  } catch {
    return [];
  }
}

/** TLS name matching (RFC 6125): a `*.` name covers exactly one more label; a wildcard host needs the same wildcard. */
export function tlsNameMatches(name: string, host: string): boolean {
  if (name === host) return true;
  if (!name.startsWith('*.')) return false;
  const suffix = name.slice(1);
  return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes('.') && host.length > suffix.length && !host.startsWith('*.');
}
