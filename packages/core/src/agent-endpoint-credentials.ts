// Resolving the Secrets an AgentEndpoint names: client certificates presented to the
// upstream, and the server certificate / client CA bundle of agent-side TLS termination.
// PEM goes into the credential store; only public facts come back.
import type { SecretReference, AgentEndpointTlsTermination } from './agent-endpoint-spec.js';
import { checkCaBundle } from './certificates.js';
import { resolveKeyPairSecret } from './client-certificate.js';
import type { CredentialStore } from './credential-store.js';
import type { Secret } from './kube-objects.js';
import type { CertificateInfo, Endpoint } from './model.js';
import type { ObjectIndex } from './object-index.js';
import { privateKeyEntries, readObjectValue, readTlsSecret } from './secrets.js';

/** A Secret that could not be used; `code` is the diagnostic code. */
export interface CredentialProblem {
  code: string;
  field: string;
  message: string;
}

export interface ClientCertificateResolution {
  /** The certificate presented to the upstream: the first reference (the model carries one identity). */
  presented?: CertificateInfo;
  /** Fatal: the upstream must not be dialed. */
  problems: CredentialProblem[];
  warnings: CredentialProblem[];
}

/**
 * Every reference must resolve (as ngrok's controller requires: one bad Secret fails the
 * endpoint); the first is presented. Only valid material reaches the store.
 */
export function resolveClientCertificates(
  refs: readonly SecretReference[],
  secrets: ObjectIndex<Secret>,
  now: Date,
  credentials: CredentialStore,
): ClientCertificateResolution {
  const out: ClientCertificateResolution = { problems: [], warnings: [] };
  refs.forEach((ref, i) => {
    const resolved = resolveKeyPairSecret(secrets.get(ref.namespace, ref.name), ref, now, 'client', undefined);
    if (!resolved.ok) {
      out.problems.push({ code: resolved.code, field: ref.field, message: `Failed to get client certificates: ${resolved.message}` });
      return;
    }
    for (const warning of resolved.warnings)
      out.warnings.push({ code: warning.code, field: ref.field, message: `Secret ${ref.namespace}/${ref.name}: ${warning.message}` });
    if (i === 0) out.presented = resolved.info;
  });
  if (refs.length > 1) {
    out.warnings.push({
      code: 'ClientCertificateRefsExtra',
      field: 'spec.clientCertificateRefs',
      message: `${refs.length} client certificates are listed; the first (${refs[0]!.namespace}/${refs[0]!.name}) is presented to every server and the others are checked but never sent: Node's TLS client cannot choose a certificate by the CAs a server asks for (TLS certificate_authorities); list first the one the upstream trusts`,
    });
  }
  if (out.problems.length > 0) {
    delete out.presented;
    return out;
  }
  // Material enters the store only when every reference resolved (fail closed).
  const first = refs[0];
  const pair = first ? readTlsSecret(secrets.get(first.namespace, first.name)) : undefined;
  if (first && pair?.ok) credentials.set(first, { certChainPem: pair.certChainPem, keyPem: pair.keyPem });
  return out;
}

export interface TlsTerminationResolution {
  tls?: NonNullable<Endpoint['tls']>;
  problems: CredentialProblem[];
  warnings: CredentialProblem[];
}

/** The server certificate (purpose `server`) and, for mutual TLS, the `ca.crt` bundle. */
export function resolveTlsTermination(
  termination: AgentEndpointTlsTermination,
  secrets: ObjectIndex<Secret>,
  now: Date,
  credentials: CredentialStore,
): TlsTerminationResolution {
  const out: TlsTerminationResolution = { problems: [], warnings: [] };
  const server = termination.serverCertificate;
  const resolved = resolveKeyPairSecret(secrets.get(server.namespace, server.name), server, now, 'server', undefined);
  if (!resolved.ok) {
    out.problems.push({ code: resolved.code, field: server.field, message: `Failed to get the server certificate: ${resolved.message}` });
  } else {
    for (const warning of resolved.warnings)
      out.warnings.push({
        code: warning.code,
        field: server.field,
        message: `Secret ${server.namespace}/${server.name}: ${warning.message}`,
      });
  }

  let clientVerification: NonNullable<Endpoint['tls']>['clientVerification'];
  let caPem: { sha256: string; pem: string } | undefined;
  if (termination.mutualTls) {
    const ca = termination.mutualTls.clientCAs;
    const secret = secrets.get(ca.namespace, ca.name);
    const shown = `Secret ${ca.namespace}/${ca.name}`;
    const value = secret ? readObjectValue(secret, 'ca.crt', 'base64') : undefined;
    const keys = secret ? privateKeyEntries(secret, 'base64') : [];
    if (keys.length)
      out.warnings.push({
        code: 'ClientCAsHoldPrivateKey',
        field: ca.field,
        message: `${shown} holds a private key (${keys.map((k) => `"${k}"`).join(', ')}) beside ca.crt; whoever can read it can read the key: keep only ca.crt there`,
      });
    if (!value) {
      out.problems.push({ code: 'SecretNotFound', field: ca.field, message: `Failed to get client CAs: ${shown} does not exist` });
    } else if (!value.ok) {
      out.problems.push({
        code: value.problem.code,
        field: ca.field,
        message: `Failed to get client CAs: ${shown} ${value.problem.message}`,
      });
    } else {
      const bundle = checkCaBundle(value.value, now);
      const fatal = bundle.problems.find((p) => p.fatal);
      if (fatal || !bundle.sha256 || !bundle.pem) {
        out.problems.push({
          code: fatal?.code ?? 'CaBundleInvalid',
          field: ca.field,
          message: `Failed to get client CAs: ${shown} ca.crt ${fatal?.message ?? 'is invalid'}`,
        });
      } else {
        for (const p of bundle.problems) out.warnings.push({ code: p.code, field: ca.field, message: `${shown} ca.crt: ${p.message}` });
        caPem = { sha256: bundle.sha256, pem: bundle.pem };
        clientVerification = {
          mode: termination.mutualTls.mode,
          caSha256: bundle.sha256,
          source: { kind: 'Secret', namespace: ca.namespace, name: ca.name },
        };
      }
    }
  }
  if (out.problems.length > 0 || !resolved.ok) return out;
  // Material enters the store only when the whole termination is usable.
  const pair = readTlsSecret(secrets.get(server.namespace, server.name));
  if (pair.ok) credentials.set(server, { certChainPem: pair.certChainPem, keyPem: pair.keyPem });
  if (caPem) credentials.setCaBundle(caPem.sha256, caPem.pem);
  out.tls = { certificates: [resolved.info], ...(clientVerification ? { clientVerification } : {}) };
  return out;
}
