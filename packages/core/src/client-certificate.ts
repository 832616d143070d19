// Resolving a client certificate Secret into public facts (for the model) and PEM
// (for the credential store). Shared by every translator that presents one.
import { checkKeyPair, type CertificateInspector, type CertificateProblem } from './certificates.js';
import type { CredentialStore } from './credential-store.js';
import type { Secret } from './kube-objects.js';
import type { CertificateInfo } from './model.js';
import { readTlsSecret } from './secrets.js';

export interface ResolvedCertificate {
  ok: true;
  info: CertificateInfo;
  /** Non-fatal findings (e.g. no extended key usage). */
  warnings: CertificateProblem[];
}
export interface UnresolvedCertificate {
  ok: false;
  /** Diagnostic code: SecretNotFound, SecretWrongType, SecretMissingKey, SecretInvalidBase64, or a certificate problem code. */
  code: string;
  /** Says what is wrong with `namespace/name`, without key material. */
  message: string;
  /** Every problem found (the first fatal one is `code`). */
  problems: CertificateProblem[];
}

export function resolveKeyPairSecret(
  secret: Secret | undefined,
  ref: { namespace: string; name: string },
  now: Date,
  purpose: 'client' | 'server',
  credentials: CredentialStore | undefined,
  /** Parses each distinct material once (e.g. a `CertificateCache` a host keeps between translations). */
  inspector?: CertificateInspector,
): ResolvedCertificate | UnresolvedCertificate {
  const shown = `Secret ${ref.namespace}/${ref.name}`;
  if (!secret) return { ok: false, code: 'SecretNotFound', message: `${shown} does not exist`, problems: [] };
  const read = readTlsSecret(secret);
  if (!read.ok) return { ok: false, code: read.problem.code, message: `${shown} ${read.problem.message}`, problems: [] };
  const check = checkKeyPair(read.certChainPem, read.keyPem, now, purpose, inspector);
  const fatal = check.problems.find((p) => p.fatal);
  if (fatal || !check.facts) {
    return {
      ok: false,
      code: fatal?.code ?? 'CertificateInvalidPem',
      message: `${shown}: ${fatal?.message ?? 'no certificate'}`,
      problems: check.problems,
    };
  }
  credentials?.set(ref, { certChainPem: read.certChainPem, keyPem: read.keyPem });
  const { subject, issuer, notAfter, sha256 } = check.facts;
  return {
    ok: true,
    info: { secret: { namespace: ref.namespace, name: ref.name }, subject, issuer, notAfter, sha256 },
    warnings: check.problems,
  };
}
