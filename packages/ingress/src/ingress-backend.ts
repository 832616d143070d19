// An Ingress backend -> the Upstream of a Service port. Scheme from the Ingress's
// ingress-nginx `backend-protocol`, else the Service's app-protocols annotation; HTTP
// version likewise, else the port's appProtocol (core's rules). A BackendTLSPolicy on the
// port makes it TLS and verifies it; the ingress-nginx proxy-ssl-* annotations give the
// client certificate, CA, SNI and parameters (ingress-upstream-tls.ts).
import type { ResourceRef, Service, Severity, Upstream, UpstreamScheme } from '@kupstream/core';
import {
  buildServiceUpstream,
  trafficForService,
  serviceHost,
  findServicePort,
  isRecord,
  protocolForPort,
  schemeForPort,
  type ObjectIndex,
} from '@kupstream/core/building-blocks';
import type { BackendTlsLookup } from '@kupstream/gateway';
import { backendTls, type IngressUpstreamIdentity } from './ingress-upstream-tls.js';
import { NGINX_ANNOTATION_PREFIX } from './nginx-upstream-annotations.js';

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
  /** What the Ingress's ingress-nginx annotations ask of its upstreams. */
  identity: IngressUpstreamIdentity;
  lookup: BackendTlsLookup;
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
  const traffic = trafficForService(object);
  for (const problem of traffic.problems)
    notes.push({
      severity: 'warning',
      code: problem.code,
      message: `Service ${context.namespace}/${service.name}: ${problem.message}`,
      resource: { kind: 'Service', namespace: context.namespace, name: service.name },
      field: problem.field,
    });
  const serviceRef: ResourceRef = { kind: 'Service', namespace: context.namespace, name: service.name };
  const asked = context.identity.request.backend;
  const portName = typeof lookup.port.name === 'string' && lookup.port.name !== '' ? lookup.port.name : undefined;
  let scheme: 'http' | 'https';
  if (asked?.scheme) scheme = asked.scheme;
  else {
    for (const problem of decision.problems) {
      notes.push({ severity: 'error', code: problem.code, message: `${shown}: ${problem.message}`, field: `${field}.service` });
    }
    scheme = HTTP_SCHEME[decision.scheme];
    if (scheme !== decision.scheme) {
      notes.push({
        severity: 'warning',
        code: 'BackendSchemeMapped',
        message: `${shown} port ${lookup.port.port} is ${decision.scheme.toUpperCase()} in its app-protocols annotation; an Ingress carries HTTP, so it is dialed as ${scheme}`,
        field: `${field}.service`,
      });
    }
  }
  // A BackendTLSPolicy on the port makes the connection TLS, as it does for Gateway routes.
  const policy = context.lookup.policyFor(context.namespace, service.name, portName);
  if (policy) scheme = 'https';
  const protocol = asked?.protocol ?? protocolForPort(lookup.port);
  // backend-protocol can make the same Service port another upstream than the Service says.
  const overridden =
    asked !== undefined && (scheme !== HTTP_SCHEME[decision.scheme] || protocol !== protocolForPort(lookup.port))
      ? `+as:${scheme}/${protocol}`
      : '';
  const base = {
    namespace: context.namespace,
    name: service.name,
    port: lookup.port.port,
    protocol,
    clusterDomain: context.clusterDomain,
    ...(traffic.traffic ? { traffic: traffic.traffic } : {}),
  };
  if (scheme === 'http') {
    if (context.identity.request.asksForTls)
      notes.push({
        severity: 'warning',
        code: 'IngressProxySslNotTls',
        message: `${shown} port ${lookup.port.port} is dialed as http, so the ${NGINX_ANNOTATION_PREFIX}proxy-ssl-* annotations do not apply to it (set backend-protocol: HTTPS)`,
        field: `${field}.service`,
      });
    // backend-protocol naming no protocol kupstream speaks: never dial it as something else.
    const refused = asked?.refused;
    const upstream = buildServiceUpstream({ ...base, scheme });
    upstream.name += overridden;
    if (refused) {
      upstream.name += `!${refused.code}`;
      upstream.unavailable = refused;
    }
    return { ok: true, upstream, notes };
  }
  const tls = backendTls(
    context.identity,
    { namespace: context.namespace, name: service.name, ...(portName !== undefined ? { portName } : {}) },
    serviceHost(service.name, context.namespace, context.clusterDomain),
    context.lookup,
  );
  for (const note of tls.notes) notes.push({ ...note, field: note.field === 'spec' ? `${field}.service` : note.field });
  const upstream = buildServiceUpstream({ ...base, scheme, ...tls.spec });
  upstream.name += overridden;
  if (upstream.unavailable) upstream.name += `!${upstream.unavailable.code}`;
  if (!tls.verified) {
    notes.push({
      severity: 'warning',
      code: 'UpstreamNotVerified',
      message: `https upstream ${upstream.url.replace(/^https:\/\//, '')} is encrypted but its certificate is not verified; add a BackendTLSPolicy, or ${NGINX_ANNOTATION_PREFIX}proxy-ssl-verify: "on" with a CA in proxy-ssl-secret`,
      resource: serviceRef,
      ...(decision.field !== undefined && !asked?.scheme ? { field: decision.field } : {}),
    });
  }
  return { ok: true, upstream, notes };
}
