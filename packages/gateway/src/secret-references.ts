// A Gateway's reference to a kubernetes.io/tls Secret (listener certificateRefs and the
// backend client certificate): kind, ReferenceGrant, then the key pair itself.
import type { CertificateInfo, ResourceRef } from '@kupstream/core';
import { EXPIRY_WARNING_DAYS, resolveKeyPairSecret } from '@kupstream/core/building-blocks';
import type { TranslationContext } from './context.js';
import { describeGroupKind, readObjectReference } from './object-reference.js';
import { GATEWAY_GROUP } from './reasons.js';

/** Certificates closer than this to expiry get a warning. */

export type KeyPairOutcome =
  | { ok: true; info: CertificateInfo; secret: { namespace: string; name: string } }
  | {
      ok: false;
      /** `invalid`: missing, wrong kind, malformed; `notPermitted`: cross-namespace without a ReferenceGrant. */
      failure: 'invalid' | 'notPermitted';
      code: string;
      message: string;
      secret?: { namespace: string; name: string };
    };

export function resolveGatewaySecret(
  ctx: TranslationContext,
  value: unknown,
  gateway: ResourceRef,
  field: string,
  purpose: 'client' | 'server',
): KeyPairOutcome {
  const gatewayNamespace = gateway.namespace ?? ctx.options.defaultNamespace;
  const read = readObjectReference(value, 'Secret', gatewayNamespace);
  if (!read.ok) return fail(ctx, gateway, field, 'invalid', 'SecretRefInvalid', `${field} ${read.message}`);
  const ref = read.ref;
  const secret = { namespace: ref.namespace, name: ref.name };
  if (ref.group !== '' || ref.kind !== 'Secret') {
    return fail(
      ctx,
      gateway,
      field,
      'invalid',
      'SecretRefUnsupportedKind',
      `${field} refers to a ${describeGroupKind(ref)}; only core Secrets are supported`,
      secret,
    );
  }
  const permitted = ctx.grants.permits({
    fromGroup: GATEWAY_GROUP,
    fromKind: 'Gateway',
    fromNamespace: gatewayNamespace,
    toGroup: '',
    toKind: 'Secret',
    toNamespace: ref.namespace,
    toName: ref.name,
  });
  if (!permitted) {
    return fail(
      ctx,
      gateway,
      field,
      'notPermitted',
      'RefNotPermitted',
      `${field} refers to Secret ${ref.namespace}/${ref.name} in another namespace, and no ReferenceGrant in ${ref.namespace} allows Gateways from ${gatewayNamespace} to use it`,
      secret,
    );
  }
  // The Secret is read from its own namespace, never the Gateway's.
  const resolved = resolveKeyPairSecret(
    ctx.secrets.get(ref.namespace, ref.name),
    secret,
    ctx.options.now,
    purpose,
    ctx.credentials,
    ctx.certificates,
  );
  if (!resolved.ok) return fail(ctx, gateway, field, 'invalid', resolved.code, resolved.message, secret);
  for (const warning of resolved.warnings)
    ctx.diagnostics.warning(warning.code, gateway, `Secret ${ref.namespace}/${ref.name}: ${warning.message}`, field);
  const remainingDays = (Date.parse(resolved.info.notAfter) - ctx.options.now.getTime()) / 86_400_000;
  if (remainingDays < EXPIRY_WARNING_DAYS) {
    ctx.diagnostics.warning(
      'CertificateExpiresSoon',
      gateway,
      `certificate ${resolved.info.subject} in Secret ${ref.namespace}/${ref.name} expires at ${resolved.info.notAfter}, in less than ${EXPIRY_WARNING_DAYS} days`,
      field,
    );
  }
  return { ok: true, info: resolved.info, secret };
}

function fail(
  ctx: TranslationContext,
  gateway: ResourceRef,
  field: string,
  failure: 'invalid' | 'notPermitted',
  code: string,
  message: string,
  secret?: { namespace: string; name: string },
): KeyPairOutcome {
  ctx.diagnostics.error(code, gateway, message, field);
  return { ok: false, failure, code, message, ...(secret ? { secret } : {}) };
}
