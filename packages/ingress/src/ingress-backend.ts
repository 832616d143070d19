// An Ingress backend -> the Upstream of a Service port. Scheme from the Service's
// app-protocols annotation, HTTP version from the port's appProtocol (core's rules).
// Ingress cannot name a client certificate or a CA: https upstreams are encrypted, unverified.
import {
  buildServiceUpstream,
  findServicePort,
  isRecord,
  protocolForPort,
  schemeForPort,
  type ObjectIndex,
  type ResourceRef,
  type Service,
  type Severity,
  type Upstream,
  type UpstreamScheme,
} from '@kupstream/core';

export interface BackendNote {
  severity: Severity;
  code: string;
  message: string;
  field?: string;
  /** Defaults to the Ingress. */
  resource?: ResourceRef;
}

export type BackendResolution =
  | { ok: true; upstream: Upstream; notes: BackendNote[] }
  | { ok: false; code: string; message: string; field: string; notes: BackendNote[] };

export interface BackendContext {
  namespace: string;
  services: ObjectIndex<Service>;
  clusterDomain: string;
}

/** An Ingress routes HTTP: a tcp/tls port still carries the HTTP stream, as ngrok's agent copies it. */
const HTTP_SCHEME: Record<UpstreamScheme, 'http' | 'https'> = { http: 'http', https: 'https', tcp: 'http', tls: 'https' };

export function resolveBackend(backend: unknown, field: string, context: BackendContext): BackendResolution {
  const notes: BackendNote[] = [];
  const fail = (code: string, message: string, at: string): BackendResolution => ({ ok: false, code, message, field: at, notes });
  if (!isRecord(backend)) return fail('IngressBackendInvalid', `${field} must be an object with a service`, field);
  if (backend.resource !== undefined && backend.resource !== null) {
    const resource = isRecord(backend.resource) ? backend.resource : {};
    const kind = typeof resource.kind === 'string' ? resource.kind : '?';
    return fail(
      'IngressResourceBackendUnsupported',
      `${field}.resource (${kind}) is not supported: kupstream routes to Services only`,
      `${field}.resource`,
    );
  }
  const service = backend.service;
  if (!isRecord(service)) return fail('IngressBackendInvalid', `${field}.service is required`, `${field}.service`);
  if (typeof service.name !== 'string' || service.name === '')
    return fail('IngressBackendInvalid', `${field}.service.name is required`, `${field}.service.name`);
  const port = isRecord(service.port) ? service.port : {};
  const number =
    typeof port.number === 'number' && Number.isInteger(port.number) && port.number > 0 && port.number < 65536 ? port.number : undefined;
  const name = typeof port.name === 'string' && port.name !== '' ? port.name : undefined;
  if (number === undefined && name === undefined) {
    return fail('IngressBackendPortMissing', `${field}.service.port needs a number (1-65535) or a name`, `${field}.service.port`);
  }
  if (number !== undefined && name !== undefined) {
    notes.push({
      severity: 'warning',
      code: 'IngressBackendPortAmbiguous',
      message: `${field}.service.port has both number and name; the number ${number} is used`,
      field: `${field}.service.port`,
    });
  }
  const shown = `Service ${context.namespace}/${service.name}`;
  const object = context.services.get(context.namespace, service.name);
  if (!object) return fail('ServiceNotFound', `${shown} does not exist`, `${field}.service.name`);
  const lookup = findServicePort(object, number !== undefined ? { number } : { name: name! });
  if (!lookup.ok) return fail(lookup.problem.code, `${shown} ${lookup.problem.message}`, `${field}.service.port`);

  const decision = schemeForPort(object, lookup.port, 'http');
  for (const problem of decision.problems) {
    notes.push({ severity: 'error', code: problem.code, message: `${shown}: ${problem.message}`, field: `${field}.service` });
  }
  const scheme = HTTP_SCHEME[decision.scheme];
  const serviceRef: ResourceRef = { kind: 'Service', namespace: context.namespace, name: service.name };
  if (scheme !== decision.scheme) {
    notes.push({
      severity: 'warning',
      code: 'BackendSchemeMapped',
      message: `${shown} port ${lookup.port.port} is ${decision.scheme.toUpperCase()} in its app-protocols annotation; an Ingress carries HTTP, so it is dialed as ${scheme}`,
      field: `${field}.service`,
    });
  }
  const upstream = buildServiceUpstream({
    namespace: context.namespace,
    name: service.name,
    port: lookup.port.port,
    scheme,
    protocol: protocolForPort(lookup.port),
    clusterDomain: context.clusterDomain,
    ...(scheme === 'https' ? { verification: { mode: 'none' as const } } : {}),
  });
  if (scheme === 'https') {
    notes.push({
      severity: 'warning',
      code: 'UpstreamNotVerified',
      message: `https upstream ${upstream.url.replace(/^https:\/\//, '')} is encrypted but its certificate is not verified; an Ingress cannot name a CA (use Gateway API with a BackendTLSPolicy to verify it)`,
      resource: serviceRef,
      ...(decision.field !== undefined ? { field: decision.field } : {}),
    });
  }
  return { ok: true, upstream, notes };
}
