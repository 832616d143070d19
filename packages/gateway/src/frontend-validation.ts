// Frontend (client certificate) validation, `spec.tls.frontend` (GEP-91): the default and
// per-port `validation` of a Gateway's HTTPS listeners (and the listener `tls.frontendValidation`
// of earlier versions). CA references are ConfigMaps or Secrets (key `ca.crt`), across
// namespaces only with a ReferenceGrant, or cluster-scoped ClusterTrustBundles; the bundle goes into `credentials` by digest and the
// listener carries the verification its endpoints get. A listener left with no valid CA is not
// Accepted (NoValidCACertificate): serving it without the check would fail open.
import type { ClientVerification, ResourceRef } from '@kupstream/core';
import { checkCaBundle, isRecord, readObjectValue } from '@kupstream/core/building-blocks';
import type { Gateway } from '@kupstream/gateway-api-types';
import type { TranslationContext } from './context.js';
import { ListenerTlsOption } from './listener-tls-options.js';
import { namesClusterTrustBundle, readTrustBundle } from './cluster-trust-bundles.js';
import type { ListenerState } from './listeners.js';
import { describeGroupKind, readObjectReference } from './object-reference.js';
import { GATEWAY_GROUP, Reason } from './reasons.js';
import type { ConditionSpec } from './status.js';

/** The Gateway condition set while some listener accepts clients without a valid certificate. */
export const INSECURE_FRONTEND_CONDITION = 'InsecureFrontendValidationMode';

interface Demand {
  field: string;
  validation: Record<string, unknown>;
}

/**
 * Resolves each HTTPS listener's client validation; returns the Gateway's
 * InsecureFrontendValidationMode condition when a listener uses AllowInsecureFallback.
 */
export function applyFrontendValidation(
  ctx: TranslationContext,
  gateway: Gateway,
  listeners: ListenerState[],
  gatewayRef: ResourceRef,
): ConditionSpec | undefined {
  const spec = isRecord(gateway.spec) ? gateway.spec : {};
  const frontend = isRecord(spec.tls) && isRecord(spec.tls.frontend) ? spec.tls.frontend : undefined;
  const byDefault: Demand | undefined =
    frontend && isRecord(frontend.default) && isRecord(frontend.default.validation)
      ? { field: 'spec.tls.frontend.default.validation', validation: frontend.default.validation }
      : undefined;
  const perPort = new Map<number, Demand>();
  if (frontend && Array.isArray(frontend.perPort)) {
    frontend.perPort.forEach((entry, i) => {
      if (!isRecord(entry) || typeof entry.port !== 'number' || perPort.has(entry.port)) return;
      const validation = isRecord(entry.tls) && isRecord(entry.tls.validation) ? entry.tls.validation : undefined;
      // A port entry without validation turns the default off for that port.
      perPort.set(entry.port, { field: `spec.tls.frontend.perPort[${i}].tls.validation`, validation: validation ?? {} });
    });
  }
  const raw = Array.isArray(spec.listeners) ? spec.listeners : [];
  let insecure: string[] = [];
  for (const listener of listeners) {
    if (listener.scheme !== 'https' || !listener.accepted.status) continue;
    const own = raw[listener.index];
    const ownTls = isRecord(own) && isRecord(own.tls) ? own.tls : undefined;
    const demand: Demand | undefined =
      ownTls && isRecord(ownTls.frontendValidation)
        ? { field: `spec.listeners[${listener.index}].tls.frontendValidation`, validation: ownTls.frontendValidation }
        : (perPort.get(listener.port) ?? byDefault);
    if (!demand || !asksForValidation(demand.validation)) {
      if (listener.forwardClientCertificate)
        ctx.diagnostics.warning(
          'ListenerOptionIgnored',
          gatewayRef,
          `listener ${listener.name}: ${ListenerTlsOption.ForwardClientCertificate} has no effect: the listener does not validate client certificates (spec.tls.frontend)`,
          `spec.listeners[${listener.index}].tls.options["${ListenerTlsOption.ForwardClientCertificate}"]`,
        );
      continue;
    }
    const verification = resolveValidation(ctx, demand, listener, gatewayRef);
    if (!verification) continue;
    listener.clientVerification = listener.forwardClientCertificate ? { ...verification, forwardCertificate: true } : verification;
    if (verification.mode === 'insecureFallback') insecure = [...insecure, listener.name];
  }
  if (insecure.length === 0) return undefined;
  return {
    status: true,
    reason: 'ConfigurationChanged',
    message: `listener${insecure.length > 1 ? 's' : ''} ${insecure.join(', ')} accept${insecure.length > 1 ? '' : 's'} clients without a valid certificate (AllowInsecureFallback)`,
  };
}

function asksForValidation(value: Record<string, unknown>): boolean {
  return Array.isArray(value.caCertificateRefs) && value.caCertificateRefs.length > 0;
}

function resolveValidation(
  ctx: TranslationContext,
  { field, validation }: Demand,
  listener: ListenerState,
  gatewayRef: ResourceRef,
): ClientVerification | undefined {
  const gatewayNamespace = gatewayRef.namespace ?? ctx.options.defaultNamespace;
  const mode = validation.mode ?? 'AllowValidOnly';
  if (mode !== 'AllowValidOnly' && mode !== 'AllowInsecureFallback') {
    ctx.diagnostics.error(
      'FrontendValidationModeInvalid',
      gatewayRef,
      `${field}.mode must be AllowValidOnly or AllowInsecureFallback, not ${JSON.stringify(mode)}; AllowValidOnly is applied`,
      `${field}.mode`,
    );
  }
  const pems: string[] = [];
  let refProblem: { reason: string; message: string } | undefined;
  const refs = validation.caCertificateRefs as unknown[];
  refs.forEach((value, i) => {
    const at = `${field}.caCertificateRefs[${i}]`;
    const problem = (reason: string, code: string, message: string) => {
      ctx.diagnostics.error(code, { ...gatewayRef, section: listener.name }, `listener ${listener.name}: ${message}`, at);
      refProblem ??= { reason, message };
    };
    const read = readObjectReference(value, 'ConfigMap', gatewayNamespace);
    if (!read.ok) return problem(Reason.InvalidCACertificateRef, 'CACertificateRefInvalid', `${at} ${read.message}`);
    const ref = read.ref;
    if (namesClusterTrustBundle(ref)) {
      // Cluster-scoped: no namespace, no ReferenceGrant.
      const bundle = ctx.clusterTrustBundles.get(ref.name);
      if (!bundle)
        return problem(Reason.InvalidCACertificateRef, 'CACertificateRefNotFound', `ClusterTrustBundle ${ref.name} does not exist`);
      const trusted = readTrustBundle(bundle, ref.name, ctx.options.now, ctx.certificates);
      for (const p of trusted.warnings) ctx.diagnostics.warning(p.code, gatewayRef, `ClusterTrustBundle ${ref.name}: ${p.message}`, at);
      if (!trusted.ok) return problem(Reason.InvalidCACertificateRef, trusted.code, trusted.message);
      pems.push(trusted.pem);
      return;
    }
    if (ref.group !== '' || (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret')) {
      return problem(
        Reason.InvalidCACertificateKind,
        'CACertificateRefInvalidKind',
        `${at} refers to a ${describeGroupKind(ref)}; only core ConfigMaps, Secrets and certificates.k8s.io ClusterTrustBundles hold CA certificates`,
      );
    }
    const permitted = ctx.grants.permits({
      fromGroup: GATEWAY_GROUP,
      fromKind: 'Gateway',
      fromNamespace: gatewayNamespace,
      toGroup: '',
      toKind: ref.kind,
      toNamespace: ref.namespace,
      toName: ref.name,
    });
    if (!permitted) {
      return problem(
        Reason.RefNotPermitted,
        'RefNotPermitted',
        `${at} refers to ${ref.kind} ${ref.namespace}/${ref.name} in another namespace, and no ReferenceGrant in ${ref.namespace} allows Gateways from ${gatewayNamespace} to use it`,
      );
    }
    const holder = ref.kind === 'ConfigMap' ? ctx.configMaps.get(ref.namespace, ref.name) : ctx.secrets.get(ref.namespace, ref.name);
    if (!holder)
      return problem(Reason.InvalidCACertificateRef, 'CACertificateRefNotFound', `${ref.kind} ${ref.namespace}/${ref.name} does not exist`);
    const data = readObjectValue(holder, 'ca.crt', ref.kind === 'ConfigMap' ? 'text' : 'base64');
    if (!data.ok)
      return problem(Reason.InvalidCACertificateRef, data.problem.code, `${ref.kind} ${ref.namespace}/${ref.name} ${data.problem.message}`);
    const bundle = checkCaBundle(data.value, ctx.options.now, ctx.certificates);
    for (const p of bundle.problems.filter((p) => !p.fatal))
      ctx.diagnostics.warning(p.code, gatewayRef, `${ref.kind} ${ref.namespace}/${ref.name}: ${p.message}`, at);
    if (!bundle.pem) {
      const fatal = bundle.problems.find((p) => p.fatal);
      return problem(
        Reason.InvalidCACertificateRef,
        fatal?.code ?? 'CaBundleInvalid',
        `${ref.kind} ${ref.namespace}/${ref.name} ca.crt ${fatal?.message ?? 'holds no usable certificate'}`,
      );
    }
    pems.push(bundle.pem);
  });
  if (refProblem && listener.resolvedRefs.status) listener.resolvedRefs = { status: false, ...refProblem };
  const bundle = pems.length > 0 ? checkCaBundle(pems.join(''), ctx.options.now, ctx.certificates) : undefined;
  if (!bundle?.sha256 || !bundle.pem) {
    const message = `listener ${listener.name}: no valid CA certificate for client validation (${field}): ${refProblem?.message ?? 'none given'}`;
    listener.accepted = { status: false, reason: Reason.NoValidCACertificate, message };
    listener.programmed = { status: false, reason: Reason.Invalid, message };
    return undefined;
  }
  ctx.credentials.setCaBundle(bundle.sha256, bundle.pem);
  return {
    mode: mode === 'AllowInsecureFallback' ? 'insecureFallback' : 'require',
    caSha256: bundle.sha256,
    source: { ...gatewayRef, section: listener.name },
  };
}
