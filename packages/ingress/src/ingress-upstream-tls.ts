// Who an Ingress's TLS upstreams are dialed as and whom they trust: the ingress-nginx
// `proxy-ssl-secret` (client certificate from `tls.crt`/`tls.key`, CA from `ca.crt`),
// resolved once per Ingress with the Gateway API's cross-namespace rule (a ReferenceGrant
// from Ingress to Secret in the Secret's namespace, which it is then read from), and a
// BackendTLSPolicy on the backend Service port, which verifies as it does for Gateways.
import type { CertificateInfo, CredentialStore, Secret, Verification } from '@kupstream/core';
import {
  checkCaBundle,
  readObjectValue,
  resolveKeyPairSecret,
  type CertificateInspector,
  type ObjectIndex,
  type ServiceUpstreamSpec,
} from '@kupstream/core/building-blocks';
import type { BackendTlsLookup } from '@kupstream/gateway';
import type { AnnotationNote } from './ingress-annotations.js';
import { NGINX_ANNOTATION_PREFIX, type NginxUpstreamRequest } from './nginx-upstream-annotations.js';

export const INGRESS_GROUP = 'networking.k8s.io';
const SECRET_FIELD = `metadata.annotations[${NGINX_ANNOTATION_PREFIX}proxy-ssl-secret]`;

/** The resolved identity and trust one Ingress asks for. */
export interface IngressUpstreamIdentity {
  request: NginxUpstreamRequest;
  client?: { secret: { namespace: string; name: string }; info: CertificateInfo };
  /** The Secret's `ca.crt`, when `proxy-ssl-verify` is on. */
  ca?: { sha256: string; secret: { namespace: string; name: string } };
  /** TLS backends are not dialed: an annotation or the Secret cannot be honoured. */
  unavailable?: { code: string; reason: string };
  notes: AnnotationNote[];
}

export interface IdentityContext {
  secrets: ObjectIndex<Secret>;
  lookup: BackendTlsLookup;
  now: Date;
  credentials: CredentialStore;
  certificates?: CertificateInspector;
}

export function resolveIngressUpstreamIdentity(
  request: NginxUpstreamRequest,
  ingressNamespace: string,
  context: IdentityContext,
): IngressUpstreamIdentity {
  const out: IngressUpstreamIdentity = { request, notes: [], ...(request.unusable ? { unavailable: request.unusable } : {}) };
  const ref = request.secret;
  if (!ref || request.unusable) return out;
  const shown = `Secret ${ref.namespace}/${ref.name}`;
  const fail = (code: string, message: string) => {
    out.notes.push({ severity: 'error', code, message: `${message}; the Ingress's TLS backends are not dialed`, field: SECRET_FIELD });
    out.unavailable ??= { code, reason: message };
    return out;
  };
  const permitted = context.lookup.permits({
    fromGroup: INGRESS_GROUP,
    fromKind: 'Ingress',
    fromNamespace: ingressNamespace,
    toGroup: '',
    toKind: 'Secret',
    toNamespace: ref.namespace,
    toName: ref.name,
  });
  if (!permitted)
    return fail(
      'RefNotPermitted',
      `${NGINX_ANNOTATION_PREFIX}proxy-ssl-secret refers to ${shown} in another namespace, and no ReferenceGrant in ${ref.namespace} allows Ingresses from ${ingressNamespace} to use it`,
    );
  // Read from the Secret's own namespace, never the Ingress's.
  const secret = context.secrets.get(ref.namespace, ref.name);
  if (!secret) return fail('SecretNotFound', `${shown} does not exist`);
  const hasKeyPair = ['tls.crt', 'tls.key'].some((key) => readObjectValue(secret, key, 'base64').ok);
  if (hasKeyPair) {
    const resolved = resolveKeyPairSecret(secret, ref, context.now, 'client', context.credentials, context.certificates);
    if (!resolved.ok) return fail(resolved.code, resolved.message);
    for (const warning of resolved.warnings)
      out.notes.push({ severity: 'warning', code: warning.code, message: `${shown}: ${warning.message}`, field: SECRET_FIELD });
    out.client = { secret: { ...ref }, info: resolved.info };
  }
  if (request.verify) {
    const read = readObjectValue(secret, 'ca.crt', 'base64');
    if (!read.ok)
      return fail('IngressProxySslCaMissing', `${NGINX_ANNOTATION_PREFIX}proxy-ssl-verify is on but ${shown} ${read.problem.message}`);
    const bundle = checkCaBundle(read.value, context.now, context.certificates);
    for (const p of bundle.problems.filter((p) => !p.fatal))
      out.notes.push({ severity: 'warning', code: p.code, message: `${shown} ca.crt: ${p.message}`, field: SECRET_FIELD });
    if (!bundle.pem || !bundle.sha256) {
      const fatal = bundle.problems.find((p) => p.fatal);
      return fail(fatal?.code ?? 'CaBundleInvalid', `${shown} ca.crt ${fatal?.message ?? 'holds no usable certificate'}`);
    }
    context.credentials.setCaBundle(bundle.sha256, bundle.pem);
    out.ca = { sha256: bundle.sha256, secret: { ...ref } };
  } else if (!hasKeyPair) {
    out.notes.push({
      severity: 'warning',
      code: 'IngressProxySslSecretUnused',
      message: `${shown} has no tls.crt/tls.key to present and proxy-ssl-verify is off, so nothing of it is used`,
      field: SECRET_FIELD,
    });
  }
  return out;
}

/** The TLS part of a Service upstream's spec for one backend, plus what to report. */
export interface BackendTls {
  spec: Pick<
    ServiceUpstreamSpec,
    | 'verification'
    | 'verificationSource'
    | 'serverName'
    | 'clientCertificateSecret'
    | 'clientCertificate'
    | 'tlsParameters'
    | 'distinctions'
    | 'unavailable'
  >;
  notes: AnnotationNote[];
  /** Verified by a BackendTLSPolicy or the Secret's CA (no "not verified" warning then). */
  verified: boolean;
}

/**
 * TLS settings of one https backend: a BackendTLSPolicy on the Service port verifies it
 * (as for Gateways: its hostname is the SNI and the name checked), else `proxy-ssl-verify`
 * with the Secret's CA and `proxy-ssl-name`; the client certificate and parameters come
 * from the annotations either way. Anything unresolved makes it unavailable (fail closed).
 */
export function backendTls(
  identity: IngressUpstreamIdentity,
  service: { namespace: string; name: string; portName?: string },
  host: string,
  lookup: BackendTlsLookup,
): BackendTls {
  const { request } = identity;
  const notes: AnnotationNote[] = [];
  let unavailable = identity.unavailable;
  let verification: Verification = { mode: 'none' };
  let verificationSource: { namespace: string; name: string } | undefined;
  let serverName: string | undefined;
  const distinctions: Record<string, string> = {};
  const policy = lookup.policyFor(service.namespace, service.name, service.portName);
  if (policy) {
    verificationSource = policy.ref;
    serverName = policy.hostname;
    if (policy.verification) verification = policy.verification;
    else {
      // An empty digest names no CA bundle: even a dialer ignoring `unavailable` could not verify.
      verification = { mode: 'ca', caSha256: '', hostname: policy.hostname ?? '', source: { kind: 'BackendTLSPolicy', ...policy.ref } };
      const reason = `BackendTLSPolicy ${policy.ref.namespace}/${policy.ref.name}: ${policy.problem?.message ?? 'cannot verify'}`;
      notes.push({ severity: 'error', code: 'BackendTLSPolicyUnusable', message: `${reason}; the backend is not dialed`, field: 'spec' });
      unavailable ??= { code: policy.problem?.reason ?? 'NoValidCACertificate', reason };
    }
    if (request.verify || request.serverName)
      notes.push({
        severity: 'warning',
        code: 'IngressProxySslVerifyOverridden',
        message: `BackendTLSPolicy ${policy.ref.namespace}/${policy.ref.name} verifies Service ${service.namespace}/${service.name}; proxy-ssl-verify and proxy-ssl-name are not used for it`,
        field: 'metadata.annotations',
      });
  } else if (identity.ca) {
    const hostname = request.serverName ?? host;
    verification = { mode: 'ca', caSha256: identity.ca.sha256, hostname, source: { kind: 'Secret', ...identity.ca.secret } };
    verificationSource = identity.ca.secret;
    if (request.serverName) serverName = request.serverName;
  } else if (request.verify && !unavailable) {
    unavailable = { code: 'IngressProxySslCaMissing', reason: 'proxy-ssl-verify is on without a CA' };
  } else if (request.serverName) serverName = request.serverName;
  if (serverName !== undefined && !policy) distinctions.sni = serverName;
  const verifies = verification.mode !== 'none';
  // The Service owner's policy options win over the Ingress's annotations, key by key.
  const parameters = { ...request.parameters, ...policy?.parameters };
  if (!verifies) delete parameters.verifyDepth;
  return {
    spec: {
      verification,
      ...(verificationSource ? { verificationSource } : {}),
      ...(serverName ? { serverName } : {}),
      ...(identity.client ? { clientCertificateSecret: identity.client.secret, clientCertificate: identity.client.info } : {}),
      // An unresolved Secret still names the upstream apart from the plain one.
      ...(!identity.client && request.secret && unavailable ? { clientCertificateSecret: request.secret } : {}),
      tlsParameters: parameters,
      ...(Object.keys(distinctions).length ? { distinctions } : {}),
      ...(unavailable ? { unavailable } : {}),
    },
    notes,
    verified: verifies,
  };
}
