import type {
  BackendTLSPolicy,
  Gateway,
  GatewayClass,
  HTTPRoute,
  ReferenceGrant,
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

/** Which snapshot list an object of `apiVersion`/`kind` belongs in, if any. */
export function snapshotKeyFor(apiVersion: unknown, kind: unknown): SnapshotKey | undefined {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  const byKind = KINDS[kind];
  return byKind && byKind.groups.includes(group) ? byKind.key : undefined;
}

const KINDS: Record<string, { key: SnapshotKey; groups: string[] }> = {
  GatewayClass: { key: 'gatewayClasses', groups: ['gateway.networking.k8s.io'] },
  Gateway: { key: 'gateways', groups: ['gateway.networking.k8s.io'] },
  HTTPRoute: { key: 'httpRoutes', groups: ['gateway.networking.k8s.io'] },
  ReferenceGrant: { key: 'referenceGrants', groups: ['gateway.networking.k8s.io'] },
  BackendTLSPolicy: { key: 'backendTLSPolicies', groups: ['gateway.networking.k8s.io'] },
  IngressClass: { key: 'ingressClasses', groups: ['networking.k8s.io'] },
  Ingress: { key: 'ingresses', groups: ['networking.k8s.io'] },
  AgentEndpoint: { key: 'agentEndpoints', groups: ['ngrok.k8s.ngrok.com'] },
  Service: { key: 'services', groups: [''] },
  Secret: { key: 'secrets', groups: [''] },
  ConfigMap: { key: 'configMaps', groups: [''] },
  Namespace: { key: 'namespaces', groups: [''] },
};
