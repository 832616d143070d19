// spec.tls: each Secret is validated as a server certificate and carried on the endpoints
// of the hosts it covers, for hosts that terminate TLS themselves (the edge otherwise
// terminates with its own certificates). PEM goes to the credential store only.
import type { CertificateInfo, CredentialStore, ResourceRef, Secret } from '@kupstream/core';
import { isRecord, readTlsSecret, resolveKeyPairSecret, type DiagnosticList, type ObjectIndex } from '@kupstream/core/building-blocks';
import { checkIngressHost, tlsHostCovers } from './ingress-host.js';

export interface IngressTlsInput {
  tls: unknown;
  namespace: string;
  ref: ResourceRef;
  /** Hosts of this Ingress's rules that it serves. */
  servedHosts: readonly string[];
  /** Hosts of all of this Ingress's valid rules (served or lost to an older Ingress). */
  ruleHosts: readonly string[];
  secrets: ObjectIndex<Secret>;
  now: Date;
  credentials: CredentialStore;
  diagnostics: DiagnosticList;
}

/** Certificates by served host. */
export function resolveIngressTls(input: IngressTlsInput): Map<string, CertificateInfo[]> {
  const byHost = new Map<string, CertificateInfo[]>();
  const { tls, ref, diagnostics } = input;
  if (tls === undefined || tls === null) return byHost;
  if (!Array.isArray(tls)) {
    diagnostics.error('IngressTlsInvalid', ref, 'spec.tls must be a list of {hosts, secretName}', 'spec.tls');
    return byHost;
  }
  tls.forEach((entry: unknown, i) => {
    const field = `spec.tls[${i}]`;
    if (!isRecord(entry)) {
      diagnostics.error('IngressTlsInvalid', ref, `${field} must be an object with hosts and secretName`, field);
      return;
    }
    // Without a Secret the edge's own certificate is used: nothing to carry.
    if (entry.secretName === undefined || entry.secretName === null || entry.secretName === '') return;
    if (typeof entry.secretName !== 'string') {
      diagnostics.error('IngressTlsInvalid', ref, `${field}.secretName must be a string`, `${field}.secretName`);
      return;
    }
    const secretRef = { namespace: input.namespace, name: entry.secretName };
    const resolved = resolveKeyPairSecret(
      input.secrets.get(secretRef.namespace, secretRef.name),
      secretRef,
      input.now,
      'server',
      undefined,
    );
    if (!resolved.ok) {
      diagnostics.error(
        resolved.code,
        ref,
        `${field}.secretName: ${resolved.message}; the certificate is not carried`,
        `${field}.secretName`,
      );
      return;
    }
    for (const warning of resolved.warnings) {
      diagnostics.warning(
        warning.code,
        ref,
        `${field}.secretName: Secret ${secretRef.namespace}/${secretRef.name}: ${warning.message}`,
        `${field}.secretName`,
      );
    }
    const covered = tlsHostsOf(entry.hosts, field, ref, diagnostics, input.ruleHosts);
    let used = false;
    for (const host of input.servedHosts) {
      if (covered !== 'all' && !covered.some((tlsHost) => tlsHostCovers(tlsHost, host))) continue;
      used = true;
      const list = byHost.get(host) ?? [];
      if (!list.some((c) => c.secret.namespace === resolved.info.secret.namespace && c.secret.name === resolved.info.secret.name))
        list.push(resolved.info);
      byHost.set(host, list);
    }
    // Material reaches the store only when an endpoint carries the certificate.
    const pair = used ? readTlsSecret(input.secrets.get(secretRef.namespace, secretRef.name)) : undefined;
    if (pair?.ok) input.credentials.set(secretRef, { certChainPem: pair.certChainPem, keyPem: pair.keyPem });
  });
  return byHost;
}

/** The entry's hosts, or 'all' when it lists none (Kubernetes: every host of the Ingress). */
function tlsHostsOf(
  hosts: unknown,
  field: string,
  ref: ResourceRef,
  diagnostics: DiagnosticList,
  ruleHosts: readonly string[],
): string[] | 'all' {
  if (hosts === undefined || hosts === null) return 'all';
  if (!Array.isArray(hosts)) {
    diagnostics.error('IngressTlsInvalid', ref, `${field}.hosts must be a list of hostnames`, `${field}.hosts`);
    return [];
  }
  if (hosts.length === 0) return 'all';
  const out: string[] = [];
  hosts.forEach((value: unknown, k) => {
    const check = checkIngressHost(value);
    if (!check.ok) {
      diagnostics.error('IngressTlsHostInvalid', ref, `${field}.hosts[${k}]: ${check.message}`, `${field}.hosts[${k}]`);
      return;
    }
    if (!ruleHosts.some((host) => tlsHostCovers(check.host, host))) {
      diagnostics.warning(
        'IngressTlsHostWithoutRule',
        ref,
        `${field}.hosts[${k}] "${check.host}" matches no rule host of this Ingress; it gets no endpoint`,
        `${field}.hosts[${k}]`,
      );
    }
    out.push(check.host);
  });
  return out;
}
