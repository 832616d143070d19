// The Gateway's backend client certificate: `spec.tls.backend.clientCertificateRef`
// (Gateway API v1.4+) or `spec.backendTLS.clientCertificateRef` (v1.2–v1.3, the seed's form).
import type { CertificateInfo, ResourceRef } from '@kupstream/core';
import { isRecord } from '@kupstream/core/building-blocks';
import type { Gateway } from '@kupstream/gateway-api-types';
import type { TranslationContext } from './context.js';
import { Reason } from './reasons.js';
import { resolveGatewaySecret } from './secret-references.js';

export const CLIENT_CERTIFICATE_FIELD = 'spec.tls.backend.clientCertificateRef';
export const LEGACY_CLIENT_CERTIFICATE_FIELD = 'spec.backendTLS.clientCertificateRef';

export interface GatewayClientCertificate {
  secret: { namespace: string; name: string };
  /** Set when resolved and valid. */
  info?: CertificateInfo;
  /** Set when it could not be resolved: TLS upstreams of this Gateway are then never dialed. */
  unavailable?: { code: string; reason: string };
}

export interface ClientCertificateOutcome {
  certificate?: GatewayClientCertificate;
  /** Gateway ResolvedRefs: true, or the reason it is false. */
  resolvedRefs: { ok: true } | { ok: false; reason: string; message: string };
}

export function resolveGatewayClientCertificate(
  ctx: TranslationContext,
  gateway: Gateway,
  gatewayRef: ResourceRef,
): ClientCertificateOutcome {
  const spec = isRecord(gateway.spec) ? gateway.spec : {};
  const current = isRecord(spec.tls) && isRecord(spec.tls.backend) ? spec.tls.backend.clientCertificateRef : undefined;
  const legacy = isRecord(spec.backendTLS) ? spec.backendTLS.clientCertificateRef : undefined;
  if (current !== undefined && legacy !== undefined && JSON.stringify(current) !== JSON.stringify(legacy)) {
    ctx.diagnostics.warning(
      'ClientCertificateRefDuplicate',
      gatewayRef,
      `both ${CLIENT_CERTIFICATE_FIELD} and ${LEGACY_CLIENT_CERTIFICATE_FIELD} are set and differ; ${CLIENT_CERTIFICATE_FIELD} is used`,
      LEGACY_CLIENT_CERTIFICATE_FIELD,
    );
  }
  const value = current ?? legacy;
  if (value === undefined || value === null) return { resolvedRefs: { ok: true } };
  const field = current !== undefined ? CLIENT_CERTIFICATE_FIELD : LEGACY_CLIENT_CERTIFICATE_FIELD;
  const outcome = resolveGatewaySecret(ctx, value, gatewayRef, field, 'client');
  if (outcome.ok) return { certificate: { secret: outcome.secret, info: outcome.info }, resolvedRefs: { ok: true } };
  const reason = outcome.failure === 'notPermitted' ? Reason.RefNotPermitted : Reason.InvalidClientCertificateRef;
  const secret = outcome.secret ?? { namespace: gatewayRef.namespace ?? ctx.options.defaultNamespace, name: '' };
  return {
    certificate: { secret, unavailable: { code: reason, reason: outcome.message } },
    resolvedRefs: { ok: false, reason, message: outcome.message },
  };
}
