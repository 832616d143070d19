// Route backendRefs (every route kind): kind, ReferenceGrant, Service and port, weight; then
// the Upstream for one Gateway (its client certificate) and the Service port's BackendTLSPolicy.
import type { Diagnostic, ResourceRef, Service, Upstream, UpstreamProtocol, UpstreamScheme, Verification } from '@kupstream/core';
import {
  buildServiceUpstream,
  findServicePort,
  isRecord,
  protocolForPort,
  schemeForPort,
  trafficForService,
  refOf,
} from '@kupstream/core/building-blocks';
import type { PolicyState } from './backend-tls-policy.js';
import type { GatewayClientCertificate } from './client-certificates.js';
import type { PortFacts, TranslationContext } from './context.js';
import { describeGroupKind } from './object-reference.js';
import { serviceClientCertificate } from './service-client-certificate.js';
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
  /** http/https for HTTP route kinds, tcp/tls for L4 ones. */
  scheme: UpstreamScheme;
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

/** What the route carries: HTTP requests (HTTPRoute, GRPCRoute) or bytes (TLSRoute, TCPRoute). */
export type RouteLayer = 'http' | 'l4';

/** The Service port's scheme as an L4 route uses it: TLS to the backend or plain bytes. */
const L4_SCHEMES: Record<UpstreamScheme, UpstreamScheme> = { http: 'tcp', https: 'tls', tcp: 'tcp', tls: 'tls' };

/** Resolves one backendRef of `route` (its kind is the ReferenceGrant's `from` kind). */
export function resolveBackendRef(
  ctx: TranslationContext,
  value: unknown,
  route: ResourceRef,
  field: string,
  layer: RouteLayer = 'http',
): BackendOutcome {
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
    fromKind: route.kind,
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
      `backendRef to Service ${namespace}/${name} crosses namespaces, and no ReferenceGrant in ${namespace} allows ${route.kind}s from ${routeNamespace} to use it`,
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
  for (const problem of facts.traffic.problems) ctx.diagnostics.warning(problem.code, facts.serviceRef, problem.message, problem.field);
  if (layer === 'http' && decision.scheme !== 'http' && decision.scheme !== 'https') {
    return invalid(
      Reason.UnsupportedProtocol,
      'BackendProtocolUnsupported',
      `Service ${namespace}/${name} port ${port} speaks ${decision.scheme.toUpperCase()} (${decision.field ?? 'annotation'}), which an ${route.kind} cannot use`,
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
    scheme: layer === 'l4' ? L4_SCHEMES[decision.scheme] : decision.scheme,
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
    byPort.set(key, (facts = { servicePort, serviceRef, decision, traffic: trafficForService(service), upstreams: new Map() }));
  }
  return facts;
}

/** What an upstream needs of the BackendTLSPolicies (the index, or a recorder in front of it). */
export interface PolicyLookup {
  policyFor(namespace: string, service: string, portName: string | undefined): PolicyState | undefined;
  noteAncestor(namespace: string, service: string, portName: string | undefined, gatewayKey: string): void;
}

/**
 * How a route kind uses the upstream: `http` as the Service port says, `grpc` always over
 * HTTP/2, `stream` a byte stream (TLS originated when the port or a policy says so),
 * `passthrough` the client's own TLS carried through untouched (no policy, no client certificate).
 */
export type UpstreamUse = 'http' | 'grpc' | 'stream' | 'passthrough';

export interface UpstreamInputs {
  clientCertificate?: GatewayClientCertificate;
  policies: PolicyLookup;
  gatewayKey: string;
  /** `http` when absent. */
  use?: UpstreamUse;
}

/**
 * The Upstream for a resolved backend as reached through one Gateway. A BackendTLSPolicy
 * makes the connection TLS; the Gateway's client certificate goes to TLS upstreams only.
 * Anything unresolved marks the upstream `unavailable` (and its name says why), so it is never dialed.
 */
export function upstreamFor(ctx: TranslationContext, backend: ResolvedBackend, inputs: UpstreamInputs): Upstream {
  const use = inputs.use ?? 'http';
  // A passthrough connection never originates TLS: no policy applies to it.
  if (use !== 'passthrough') inputs.policies.noteAncestor(backend.namespace, backend.name, backend.portName, inputs.gatewayKey);
  // A Service port through one Gateway and one use gives one upstream (and warning): built once
  // per translation, since every field of `backend` but the weight comes from the port's facts.
  const key = use === 'http' ? inputs.gatewayKey : `${inputs.gatewayKey}\n${use}`;
  const known = backend.facts.upstreams.get(key);
  if (known) {
    if (known.warning) ctx.diagnostics.items.push(known.warning);
    return known.upstream;
  }
  const built = buildUpstream(ctx, backend, inputs, use);
  backend.facts.upstreams.set(key, built);
  return built.upstream;
}

function buildUpstream(
  ctx: TranslationContext,
  backend: ResolvedBackend,
  inputs: UpstreamInputs,
  use: UpstreamUse,
): { upstream: Upstream; warning?: Diagnostic } {
  const policy = use === 'passthrough' ? undefined : inputs.policies.policyFor(backend.namespace, backend.name, backend.portName);
  const scheme: UpstreamScheme = use === 'passthrough' ? 'tcp' : policy ? (use === 'stream' ? 'tls' : 'https') : backend.scheme;
  const tls = scheme === 'https' || scheme === 'tls';
  // gRPC is HTTP/2 end to end, whatever the port's appProtocol says.
  const protocol: UpstreamProtocol = use === 'grpc' ? 'http2' : backend.protocol;
  let unavailable: { code: string; reason: string } | undefined;
  // The Service's own identity (kupstream.dev/client-certificate) replaces the Gateway's, never joins it.
  const client = tls
    ? (serviceClientCertificate(ctx, ctx.services.get(backend.namespace, backend.name)) ?? inputs.clientCertificate)
    : undefined;
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
    protocol,
    clusterDomain: ctx.options.clusterDomain,
    ...(tls ? { verification } : {}),
    ...(verificationSource ? { verificationSource } : {}),
    ...(policy?.hostname ? { serverName: policy.hostname } : {}),
    ...(policy?.parameters ? { tlsParameters: policy.parameters } : {}),
    ...(client ? { clientCertificateSecret: client.secret } : {}),
    ...(client?.info ? { clientCertificate: client.info } : {}),
    ...(unavailable ? { unavailable } : {}),
    ...(backend.facts.traffic.traffic ? { traffic: backend.facts.traffic.traffic } : {}),
  });
  // The same port as HTTP/1.1 for an HTTPRoute and HTTP/2 for a GRPCRoute: two upstreams.
  if (protocol !== backend.protocol) upstream.name += '+h2';
  if (unavailable) upstream.name += `!${unavailable.code}`;
  if (tls && !policy) {
    const warning = ctx.diagnostics.warning(
      'UpstreamNotVerified',
      refOf('Service', { metadata: { name: backend.name, namespace: backend.namespace } }, backend.namespace),
      `${scheme} upstream ${backend.name}.${backend.namespace}:${backend.port} is encrypted but its certificate is not verified; add a BackendTLSPolicy to verify it`,
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
  layer: RouteLayer = 'http',
): Upstream {
  const upstream = buildServiceUpstream({
    namespace: backend.target.namespace,
    name: backend.target.name,
    port: backend.target.port,
    scheme: layer === 'l4' ? 'tcp' : 'http',
    protocol: 'http1',
    clusterDomain: ctx.options.clusterDomain,
  });
  upstream.name += `!${backend.reason}`;
  upstream.unavailable = { code: backend.reason, reason: backend.message };
  return upstream;
}
