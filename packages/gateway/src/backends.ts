// HTTPRoute backendRefs: kind, ReferenceGrant, Service and port, weight; then the
// Upstream for one Gateway (its client certificate) and the Service port's BackendTLSPolicy.
import {
  buildServiceUpstream,
  findServicePort,
  isRecord,
  protocolForPort,
  schemeForPort,
  refOf,
  type Diagnostic,
  type ResourceRef,
  type Service,
  type Upstream,
  type UpstreamProtocol,
  type Verification,
} from '@kupstream/core';
import type { PolicyState } from './backend-tls-policy.js';
import type { GatewayClientCertificate } from './client-certificates.js';
import type { PortFacts, TranslationContext } from './context.js';
import { describeGroupKind } from './object-reference.js';
import { GATEWAY_GROUP, Reason } from './reasons.js';

export const DEFAULT_WEIGHT = 1;
export const MAX_WEIGHT = 1_000_000;

export interface ResolvedBackend {
  ok: true;
  weight: number;
  namespace: string;
  name: string;
  port: number;
  portName?: string;
  scheme: 'http' | 'https';
  protocol: UpstreamProtocol;
  /** Field and Service ref of the scheme decision, for the "not verified" warning. */
  schemeField?: string;
  /** The Service port's facts, shared by every backend naming it in this translation. */
  facts: PortFacts;
}

export interface InvalidBackend {
  ok: false;
  weight: number;
  /** A route ResolvedRefs reason. */
  reason: string;
  message: string;
  /** Known when the reference names a Service and a port: its share can be an unavailable upstream. */
  target?: { namespace: string; name: string; port: number };
}

export type BackendOutcome = ResolvedBackend | InvalidBackend;

export function resolveBackendRef(ctx: TranslationContext, value: unknown, route: ResourceRef, field: string): BackendOutcome {
  const routeNamespace = route.namespace ?? ctx.options.defaultNamespace;
  const raw = isRecord(value) ? value : {};
  let weight = DEFAULT_WEIGHT;
  if (raw.weight !== undefined) {
    if (typeof raw.weight === 'number' && Number.isInteger(raw.weight) && raw.weight >= 0 && raw.weight <= MAX_WEIGHT) weight = raw.weight;
    else
      ctx.diagnostics.error(
        'BackendWeightInvalid',
        route,
        `weight ${JSON.stringify(raw.weight)} must be an integer from 0 to ${MAX_WEIGHT}; using ${DEFAULT_WEIGHT}`,
        `${field}.weight`,
      );
  }
  const invalid = (reason: string, code: string, message: string, at: string, target?: InvalidBackend['target']): InvalidBackend => {
    ctx.diagnostics.error(code, route, message, at);
    return { ok: false, weight, reason, message, ...(target ? { target } : {}) };
  };
  if (typeof raw.name !== 'string' || raw.name === '')
    return invalid(Reason.BackendNotFound, 'BackendRefInvalid', 'backendRef needs a name', `${field}.name`);
  const group = typeof raw.group === 'string' ? raw.group : '';
  const kind = typeof raw.kind === 'string' ? raw.kind : 'Service';
  if (group !== '' || kind !== 'Service') {
    return invalid(
      Reason.InvalidKind,
      'BackendRefInvalidKind',
      `backendRef ${describeGroupKind({ group, kind })} ${raw.name} is not a core Service`,
      `${field}.kind`,
    );
  }
  const namespace = typeof raw.namespace === 'string' && raw.namespace !== '' ? raw.namespace : routeNamespace;
  const name = raw.name;
  const port = typeof raw.port === 'number' && Number.isInteger(raw.port) && raw.port >= 1 && raw.port <= 65535 ? raw.port : undefined;
  const target = port !== undefined ? { namespace, name, port } : undefined;
  const permitted = ctx.grants.permits({
    fromGroup: GATEWAY_GROUP,
    fromKind: 'HTTPRoute',
    fromNamespace: routeNamespace,
    toGroup: '',
    toKind: 'Service',
    toNamespace: namespace,
    toName: name,
  });
  if (!permitted) {
    return invalid(
      Reason.RefNotPermitted,
      'RefNotPermitted',
      `backendRef to Service ${namespace}/${name} crosses namespaces, and no ReferenceGrant in ${namespace} allows HTTPRoutes from ${routeNamespace} to use it`,
      `${field}.namespace`,
      target,
    );
  }
  if (port === undefined)
    return invalid(
      Reason.BackendNotFound,
      'BackendRefPortMissing',
      `backendRef to Service ${namespace}/${name} needs a port from 1 to 65535`,
      `${field}.port`,
    );
  const service = ctx.services.get(namespace, name);
  if (!service)
    return invalid(Reason.BackendNotFound, 'ServiceNotFound', `Service ${namespace}/${name} does not exist`, `${field}.name`, target);
  const facts = servicePortFacts(ctx, service, namespace, port);
  if (!facts.servicePort.ok) {
    return invalid(
      Reason.BackendNotFound,
      'ServicePortNotFound',
      `Service ${namespace}/${name} ${facts.servicePort.problem.message}`,
      `${field}.port`,
      target,
    );
  }
  const { decision } = facts;
  for (const problem of decision.problems) ctx.diagnostics.warning(problem.code, facts.serviceRef, problem.message, problem.field);
  if (decision.scheme !== 'http' && decision.scheme !== 'https') {
    return invalid(
      Reason.UnsupportedProtocol,
      'BackendProtocolUnsupported',
      `Service ${namespace}/${name} port ${port} speaks ${decision.scheme.toUpperCase()} (${decision.field ?? 'annotation'}), which an HTTPRoute cannot use`,
      `${field}.port`,
      target,
    );
  }
  const portName =
    typeof facts.servicePort.port.name === 'string' && facts.servicePort.port.name !== '' ? facts.servicePort.port.name : undefined;
  return {
    ok: true,
    weight,
    namespace,
    name,
    port,
    scheme: decision.scheme,
    protocol: protocolForPort(facts.servicePort.port),
    ...(portName !== undefined ? { portName } : {}),
    ...(decision.field !== undefined ? { schemeField: decision.field } : {}),
    facts,
  };
}

/** Port lookup and scheme decision (the annotation's JSON parse), once per Service port and translation. */
function servicePortFacts(ctx: TranslationContext, service: Service, namespace: string, port: number): PortFacts {
  // The index found `service` under `namespace`, so the object alone fixes the namespace.
  let byPort = ctx.memo.servicePorts.get(service);
  if (!byPort) ctx.memo.servicePorts.set(service, (byPort = new Map()));
  const key = port;
  let facts = byPort.get(key);
  if (!facts) {
    const servicePort = findServicePort(service, { number: port });
    const serviceRef = refOf('Service', service, namespace);
    const decision = servicePort.ok ? schemeForPort(service, servicePort.port, 'http') : { scheme: 'http' as const, problems: [] };
    byPort.set(key, (facts = { servicePort, serviceRef, decision, upstreams: new Map() }));
  }
  return facts;
}

/** What an upstream needs of the BackendTLSPolicies (the index, or a recorder in front of it). */
export interface PolicyLookup {
  policyFor(namespace: string, service: string, portName: string | undefined): PolicyState | undefined;
  noteAncestor(namespace: string, service: string, portName: string | undefined, gatewayKey: string): void;
}

export interface UpstreamInputs {
  clientCertificate?: GatewayClientCertificate;
  policies: PolicyLookup;
  gatewayKey: string;
}

/**
 * The Upstream for a resolved backend as reached through one Gateway. A BackendTLSPolicy
 * makes the connection TLS; the Gateway's client certificate goes to TLS upstreams only.
 * Anything unresolved marks the upstream `unavailable` (and its name says why), so it is never dialed.
 */
export function upstreamFor(ctx: TranslationContext, backend: ResolvedBackend, inputs: UpstreamInputs): Upstream {
  inputs.policies.noteAncestor(backend.namespace, backend.name, backend.portName, inputs.gatewayKey);
  // A Service port through one Gateway gives one upstream (and warning): built once per
  // translation, since every field of `backend` but the weight comes from the port's facts.
  const known = backend.facts.upstreams.get(inputs.gatewayKey);
  if (known) {
    if (known.warning) ctx.diagnostics.items.push(known.warning);
    return known.upstream;
  }
  const built = buildUpstream(ctx, backend, inputs);
  backend.facts.upstreams.set(inputs.gatewayKey, built);
  return built.upstream;
}

function buildUpstream(
  ctx: TranslationContext,
  backend: ResolvedBackend,
  inputs: UpstreamInputs,
): { upstream: Upstream; warning?: Diagnostic } {
  const policy = inputs.policies.policyFor(backend.namespace, backend.name, backend.portName);
  const scheme = policy ? 'https' : backend.scheme;
  const tls = scheme === 'https';
  let unavailable: { code: string; reason: string } | undefined;
  const client = tls ? inputs.clientCertificate : undefined;
  if (client?.unavailable) unavailable = client.unavailable;
  let verificationSource: { namespace: string; name: string } | undefined;
  let verification: Verification = { mode: 'none' };
  if (policy) {
    verificationSource = { namespace: policy.ref.namespace ?? backend.namespace, name: policy.ref.name };
    if (policy.verification) verification = policy.verification;
    else {
      // Fail closed: the policy asks for verification that cannot be provided. An empty
      // digest names no CA bundle, so even a dialer that ignored `unavailable` could not verify.
      verification = { mode: 'ca', caSha256: '', hostname: policy.hostname ?? '', source: policy.ref };
      unavailable ??= {
        code: policy.accepted.status ? Reason.NoValidCACertificate : policy.accepted.reason,
        reason: `BackendTLSPolicy ${policy.ref.namespace}/${policy.ref.name}: ${policy.accepted.message || policy.resolvedRefs.message}`,
      };
    }
  }
  const upstream = buildServiceUpstream({
    namespace: backend.namespace,
    name: backend.name,
    port: backend.port,
    scheme,
    protocol: backend.protocol,
    clusterDomain: ctx.options.clusterDomain,
    ...(tls ? { verification } : {}),
    ...(verificationSource ? { verificationSource } : {}),
    ...(policy?.hostname ? { serverName: policy.hostname } : {}),
    ...(policy?.parameters ? { tlsParameters: policy.parameters } : {}),
    ...(client ? { clientCertificateSecret: client.secret } : {}),
    ...(client?.info ? { clientCertificate: client.info } : {}),
    ...(unavailable ? { unavailable } : {}),
  });
  if (unavailable) upstream.name += `!${unavailable.code}`;
  if (tls && !policy) {
    const warning = ctx.diagnostics.warning(
      'UpstreamNotVerified',
      refOf('Service', { metadata: { name: backend.name, namespace: backend.namespace } }, backend.namespace),
      `https upstream ${backend.name}.${backend.namespace}:${backend.port} is encrypted but its certificate is not verified; add a BackendTLSPolicy to verify it`,
      backend.schemeField,
    );
    return { upstream, warning };
  }
  return { upstream };
}

/** An upstream that stands for an invalid backend's share: never dialed, answered with an error. */
export function unavailableUpstream(
  ctx: TranslationContext,
  backend: InvalidBackend & { target: NonNullable<InvalidBackend['target']> },
): Upstream {
  const upstream = buildServiceUpstream({
    namespace: backend.target.namespace,
    name: backend.target.name,
    port: backend.target.port,
    scheme: 'http',
    protocol: 'http1',
    clusterDomain: ctx.options.clusterDomain,
  });
  upstream.name += `!${backend.reason}`;
  upstream.unavailable = { code: backend.reason, reason: backend.message };
  return upstream;
}
