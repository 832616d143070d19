// A backend's own client identity: the Service annotation `kupstream.dev/client-certificate:
// <name>` or `<namespace>/<name>` names the kubernetes.io/tls Secret presented to that
// Service's TLS upstreams instead of the Gateway's `spec.tls.backend.clientCertificateRef`.
// A Secret in another namespace needs a ReferenceGrant there from the Service's namespace
// (from core Service to Secret), as Gateway API asks for every cross-namespace Secret. A
// Secret that cannot be used fails closed: the Service's TLS upstreams are not dialed, never
// dialed with the Gateway's identity in its place.
import { type Service } from '@kupstream/core';
import { annotationsOf, EXPIRY_WARNING_DAYS, identityOf, refOf, resolveKeyPairSecret } from '@kupstream/core/building-blocks';
import type { GatewayClientCertificate } from './client-certificates.js';
import type { TranslationContext } from './context.js';
import { Reason } from './reasons.js';

export const SERVICE_CLIENT_CERTIFICATE_ANNOTATION = 'kupstream.dev/client-certificate';

const FIELD = `metadata.annotations[${SERVICE_CLIENT_CERTIFICATE_ANNOTATION}]`;
const NAME = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The Service's own client certificate, or undefined when it names none. Resolved (and reported) once per translation. */
export function serviceClientCertificate(ctx: TranslationContext, service: Service | undefined): GatewayClientCertificate | undefined {
  if (!service) return undefined;
  const resolved = ctx.memo.serviceClientCertificates;
  if (resolved.has(service)) return resolved.get(service);
  const outcome = resolve(ctx, service);
  resolved.set(service, outcome);
  return outcome;
}

function resolve(ctx: TranslationContext, service: Service): GatewayClientCertificate | undefined {
  const value = annotationsOf(service)[SERVICE_CLIENT_CERTIFICATE_ANNOTATION];
  if (value === undefined) return undefined;
  const { namespace: serviceNamespace } = identityOf(service, ctx.options.defaultNamespace);
  const serviceRef = refOf('Service', service, ctx.options.defaultNamespace);
  const text = value.trim();
  const parts = text.split('/');
  const [namespace, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [serviceNamespace, parts[0]!];
  const secret = { namespace, name };
  const fail = (reason: string, code: string, message: string, shown = secret): GatewayClientCertificate => {
    ctx.diagnostics.error(code, serviceRef, message, FIELD);
    return { secret: shown, unavailable: { code: reason, reason: message } };
  };
  if (parts.length > 2 || !NAME.test(namespace) || !NAME.test(name))
    return fail(
      Reason.InvalidClientCertificateRef,
      'ClientCertificateAnnotationInvalid',
      `${SERVICE_CLIENT_CERTIFICATE_ANNOTATION} ${JSON.stringify(value)} must be a Secret name or <namespace>/<name>`,
      { namespace: serviceNamespace, name: encodeURIComponent(text) },
    );
  const permitted = ctx.grants.permits({
    fromGroup: '',
    fromKind: 'Service',
    fromNamespace: serviceNamespace,
    toGroup: '',
    toKind: 'Secret',
    toNamespace: namespace,
    toName: name,
  });
  if (!permitted)
    return fail(
      Reason.RefNotPermitted,
      'RefNotPermitted',
      `${SERVICE_CLIENT_CERTIFICATE_ANNOTATION} names Secret ${namespace}/${name} in another namespace, and no ReferenceGrant in ${namespace} allows Services from ${serviceNamespace} to use it`,
    );
  // Read from the Secret's own namespace.
  const resolved = resolveKeyPairSecret(
    ctx.secrets.get(namespace, name),
    secret,
    ctx.options.now,
    'client',
    ctx.credentials,
    ctx.certificates,
  );
  if (!resolved.ok) return fail(Reason.InvalidClientCertificateRef, resolved.code, resolved.message);
  for (const warning of resolved.warnings)
    ctx.diagnostics.warning(warning.code, serviceRef, `Secret ${namespace}/${name}: ${warning.message}`, FIELD);
  const remainingDays = (Date.parse(resolved.info.notAfter) - ctx.options.now.getTime()) / 86_400_000;
  if (remainingDays < EXPIRY_WARNING_DAYS)
    ctx.diagnostics.warning(
      'CertificateExpiresSoon',
      serviceRef,
      `client certificate in Secret ${namespace}/${name} expires at ${resolved.info.notAfter} (in ${Math.max(0, Math.floor(remainingDays))} days)`,
      FIELD,
    );
  return { secret, info: resolved.info };
}
