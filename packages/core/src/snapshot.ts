import type {
  BackendTLSPolicy,
  Gateway,
  GatewayClass,
  GRPCRoute,
  HTTPRoute,
  ReferenceGrant,
  TCPRoute,
  TLSRoute,
} from '@kupstream/gateway-api-types';
import type { AgentEndpoint, ConfigMap, Ingress, IngressClass, Namespace, Secret, Service } from './kube-objects.js';

/**
 * Plain JSON-shaped Kubernetes objects, as in YAML manifests or from informers.
 * Translators never mutate it and never throw on partial or wrong objects.
 */
export interface ClusterSnapshot {
  gatewayClasses?: readonly GatewayClass[];
  gateways?: readonly Gateway[];
  httpRoutes?: readonly HTTPRoute[];
  grpcRoutes?: readonly GRPCRoute[];
  tlsRoutes?: readonly TLSRoute[];
  tcpRoutes?: readonly TCPRoute[];
  referenceGrants?: readonly ReferenceGrant[];
  backendTLSPolicies?: readonly BackendTLSPolicy[];
  ingressClasses?: readonly IngressClass[];
  ingresses?: readonly Ingress[];
  agentEndpoints?: readonly AgentEndpoint[];
  services?: readonly Service[];
  secrets?: readonly Secret[];
  configMaps?: readonly ConfigMap[];
  namespaces?: readonly Namespace[];
}

export type SnapshotKey = keyof ClusterSnapshot;

/** Which snapshot list an object of `apiVersion`/`kind` belongs in, if kupstream reads it at that group and version. */
export function snapshotKeyFor(apiVersion: unknown, kind: unknown): SnapshotKey | undefined {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  const slash = apiVersion.lastIndexOf('/');
  const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
  const version = apiVersion.slice(slash + 1);
  const read = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
  return read && read.group === group && read.versions.includes(version) ? read.key : undefined;
}

/** Where kupstream reads a kind from (group and served versions), for messages about objects it skips. */
export function readKind(kind: unknown): { key: SnapshotKey; group: string; versions: readonly string[] } | undefined {
  return typeof kind === 'string' && Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
}

// Versions whose shape the translators read. Ingress v1beta1 is left out on purpose: its
// backends have another shape (serviceName/servicePort) and it was removed in Kubernetes 1.22.
const KINDS: Record<string, { key: SnapshotKey; group: string; versions: readonly string[] }> = {
  GatewayClass: { key: 'gatewayClasses', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'] },
  Gateway: { key: 'gateways', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'] },
  HTTPRoute: { key: 'httpRoutes', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'] },
  GRPCRoute: { key: 'grpcRoutes', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1alpha2'] },
  TLSRoute: { key: 'tlsRoutes', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1alpha3', 'v1alpha2'] },
  TCPRoute: { key: 'tcpRoutes', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1alpha2'] },
  ReferenceGrant: { key: 'referenceGrants', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1', 'v1alpha2'] },
  BackendTLSPolicy: { key: 'backendTLSPolicies', group: 'gateway.networking.k8s.io', versions: ['v1', 'v1alpha3', 'v1alpha2'] },
  IngressClass: { key: 'ingressClasses', group: 'networking.k8s.io', versions: ['v1'] },
  Ingress: { key: 'ingresses', group: 'networking.k8s.io', versions: ['v1'] },
  AgentEndpoint: { key: 'agentEndpoints', group: 'ngrok.k8s.ngrok.com', versions: ['v1alpha1'] },
  Service: { key: 'services', group: '', versions: ['v1'] },
  Secret: { key: 'secrets', group: '', versions: ['v1'] },
  ConfigMap: { key: 'configMaps', group: '', versions: ['v1'] },
  Namespace: { key: 'namespaces', group: '', versions: ['v1'] },
};
