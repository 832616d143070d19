// The endpoints behind each Service-backed Upstream, from discovery.k8s.io/v1
// EndpointSlices: kept out of the model (like Envoy's EDS beside CDS) so that pods coming
// and going never change an upstream's identity, its pools or any status. The Upstream's
// Service port number gives the port's name; the slices of that Service (label
// `kubernetes.io/service-name`) carry the target port under the same name.
import type { EndpointSlice, Service } from './kube-objects.js';
import type { Upstream } from './model.js';
import { identityOf, labelsOf } from './object-meta.js';
import { DEFAULT_NAMESPACE } from './options.js';
import { isRecord } from './resource-ref.js';
import { findServicePort } from './service-protocol.js';
import type { ClusterSnapshot } from './snapshot.js';

/** The label an EndpointSlice names its Service with. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** One address of a Service port, as an EndpointSlice lists it (its target port). */
export interface ServiceEndpoint {
  /** IPv4 or IPv6 literal, or a host name for FQDN slices. */
  address: string;
  port: number;
  /** Ready for new requests (absent in the slice: true). */
  ready: boolean;
  /** Still serving, even while terminating (absent: as `ready`). */
  serving: boolean;
  /** Being shut down: no new requests while a ready endpoint exists (absent: false). */
  terminating: boolean;
  zone?: string;
  nodeName?: string;
  /** `namespace/name` of the Pod (or other target) behind the address. */
  target?: string;
}

/**
 * Endpoints by `Upstream.name`. An upstream with no entry has no slice known for its
 * Service (or is not Service-backed): it is dialed by the Service name. An empty list means
 * the Service is known to have no endpoint for that port.
 */
export type UpstreamEndpointMap = Readonly<Record<string, readonly ServiceEndpoint[]>>;

export interface UpstreamEndpointOptions {
  /** Namespace of objects without `metadata.namespace`. Default `default`. */
  defaultNamespace?: string;
}

/** Maps every Service-backed upstream to the endpoints of its Service port. Pure; never throws on malformed slices. */
export function buildUpstreamEndpoints(
  snapshot: ClusterSnapshot,
  upstreams: readonly Upstream[],
  options: UpstreamEndpointOptions = {},
): UpstreamEndpointMap {
  const defaultNamespace = options.defaultNamespace || DEFAULT_NAMESPACE;
  const slices = new Map<string, EndpointSlice[]>();
  for (const slice of snapshot.endpointSlices ?? []) {
    if (!isRecord(slice)) continue;
    const service = labelsOf(slice)[SERVICE_NAME_LABEL];
    if (!service) continue;
    const key = `${identityOf(slice, defaultNamespace).namespace}/${service}`;
    let list = slices.get(key);
    if (!list) slices.set(key, (list = []));
    list.push(slice);
  }
  const services = new Map<string, Service>();
  for (const service of snapshot.services ?? []) {
    const id = identityOf(service, defaultNamespace);
    services.set(`${id.namespace}/${id.name}`, service);
  }
  const out: Record<string, readonly ServiceEndpoint[]> = {};
  const byPort = new Map<string, readonly ServiceEndpoint[] | undefined>();
  for (const upstream of upstreams) {
    const ref = upstream.service;
    if (!ref || upstream.unavailable) continue;
    const key = `${ref.namespace}/${ref.name}`;
    const portKey = `${key}:${ref.port}`;
    let endpoints = byPort.get(portKey);
    if (!byPort.has(portKey)) {
      endpoints = endpointsOfPort(services.get(key), slices.get(key), ref.port);
      byPort.set(portKey, endpoints);
    }
    if (endpoints) out[upstream.name] = endpoints;
  }
  return out;
}

function endpointsOfPort(
  service: Service | undefined,
  slices: readonly EndpointSlice[] | undefined,
  port: number,
): readonly ServiceEndpoint[] | undefined {
  if (!service || !slices) return undefined;
  const lookup = findServicePort(service, { number: port });
  if (!lookup.ok) return undefined;
  const portName = typeof lookup.port.name === 'string' ? lookup.port.name : '';
  const found = new Map<string, ServiceEndpoint>();
  for (const slice of slices) {
    const target = targetPort(slice, portName);
    if (target === undefined) continue;
    for (const endpoint of Array.isArray(slice.endpoints) ? slice.endpoints : []) {
      if (!isRecord(endpoint) || !Array.isArray(endpoint.addresses)) continue;
      const conditions = isRecord(endpoint.conditions) ? endpoint.conditions : {};
      const ready = conditions.ready !== false;
      const serving = typeof conditions.serving === 'boolean' ? conditions.serving : ready;
      const terminating = conditions.terminating === true;
      const pod = targetOf(endpoint.targetRef, slice);
      for (const address of endpoint.addresses) {
        if (typeof address !== 'string' || address === '') continue;
        const entry: ServiceEndpoint = {
          address,
          port: target,
          ready,
          serving,
          terminating,
          ...(typeof endpoint.zone === 'string' ? { zone: endpoint.zone } : {}),
          ...(typeof endpoint.nodeName === 'string' ? { nodeName: endpoint.nodeName } : {}),
          ...(pod ? { target: pod } : {}),
        };
        const key = `${address}|${target}`;
        const known = found.get(key);
        // One address in two slices (a slice being replaced): the readier entry wins.
        if (!known || rank(entry) > rank(known)) found.set(key, entry);
      }
    }
  }
  return [...found.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
}

/** The slice's port for the Service port name; undefined when the slice has none of that name. */
function targetPort(slice: EndpointSlice, portName: string): number | undefined {
  if (!Array.isArray(slice.ports)) return undefined;
  for (const port of slice.ports) {
    if (!isRecord(port)) continue;
    const name = typeof port.name === 'string' ? port.name : '';
    if (name !== portName) continue;
    if (port.protocol !== undefined && port.protocol !== 'TCP') continue;
    const number = port.port;
    if (typeof number === 'number' && Number.isInteger(number) && number > 0 && number < 65536) return number;
  }
  return undefined;
}

function targetOf(ref: unknown, slice: EndpointSlice): string | undefined {
  if (!isRecord(ref) || typeof ref.name !== 'string') return undefined;
  const namespace = typeof ref.namespace === 'string' ? ref.namespace : identityOf(slice, DEFAULT_NAMESPACE).namespace;
  return `${namespace}/${ref.name}`;
}

const rank = (e: ServiceEndpoint): number => (e.ready ? 4 : 0) + (e.serving ? 2 : 0) + (e.terminating ? 0 : 1);
