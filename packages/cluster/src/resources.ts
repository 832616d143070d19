// The Kubernetes resources kupstream reads and whose status it writes: the one table
// that says where each kind lives in the API (group, versions, plural, scope).
import type { SnapshotKey } from '@kupstream/core';

export interface ResourceType {
  /** The snapshot list the objects go to. */
  key: SnapshotKey;
  kind: string;
  /** `''` for the core group. */
  group: string;
  /** In order of preference: the first one the cluster serves is used. */
  versions: readonly string[];
  plural: string;
  namespaced: boolean;
  /** kupstream writes this kind's `status` subresource. */
  statusWritten: boolean;
}

/**
 * What the translators read. BackendTLSPolicy is v1 from Gateway API v1.4 on and
 * v1alpha3 before; ReferenceGrant is served as v1beta1 everywhere (v1 from v1.5 on).
 */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  { key: 'namespaces', kind: 'Namespace', group: '', versions: ['v1'], plural: 'namespaces', namespaced: false, statusWritten: false },
  { key: 'services', kind: 'Service', group: '', versions: ['v1'], plural: 'services', namespaced: true, statusWritten: false },
  { key: 'secrets', kind: 'Secret', group: '', versions: ['v1'], plural: 'secrets', namespaced: true, statusWritten: false },
  { key: 'configMaps', kind: 'ConfigMap', group: '', versions: ['v1'], plural: 'configmaps', namespaced: true, statusWritten: false },
  {
    key: 'ingressClasses',
    kind: 'IngressClass',
    group: 'networking.k8s.io',
    versions: ['v1'],
    plural: 'ingressclasses',
    namespaced: false,
    statusWritten: false,
  },
  {
    key: 'ingresses',
    kind: 'Ingress',
    group: 'networking.k8s.io',
    versions: ['v1'],
    plural: 'ingresses',
    namespaced: true,
    statusWritten: true,
  },
  {
    key: 'gatewayClasses',
    kind: 'GatewayClass',
    group: 'gateway.networking.k8s.io',
    versions: ['v1'],
    plural: 'gatewayclasses',
    namespaced: false,
    statusWritten: true,
  },
  {
    key: 'gateways',
    kind: 'Gateway',
    group: 'gateway.networking.k8s.io',
    versions: ['v1'],
    plural: 'gateways',
    namespaced: true,
    statusWritten: true,
  },
  {
    key: 'httpRoutes',
    kind: 'HTTPRoute',
    group: 'gateway.networking.k8s.io',
    versions: ['v1'],
    plural: 'httproutes',
    namespaced: true,
    statusWritten: true,
  },
  {
    key: 'referenceGrants',
    kind: 'ReferenceGrant',
    group: 'gateway.networking.k8s.io',
    versions: ['v1beta1', 'v1'],
    plural: 'referencegrants',
    namespaced: true,
    statusWritten: false,
  },
  {
    key: 'backendTLSPolicies',
    kind: 'BackendTLSPolicy',
    group: 'gateway.networking.k8s.io',
    versions: ['v1', 'v1alpha3'],
    plural: 'backendtlspolicies',
    namespaced: true,
    statusWritten: true,
  },
  {
    key: 'agentEndpoints',
    kind: 'AgentEndpoint',
    group: 'ngrok.k8s.ngrok.com',
    versions: ['v1alpha1'],
    plural: 'agentendpoints',
    namespaced: true,
    statusWritten: true,
  },
];

/** `v1` for the core group, `group/version` otherwise. */
export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** `plural` or `plural.group`, as RBAC and kubectl name a resource. */
export function resourceName(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}

/** The table entry for an object's apiVersion and kind (any group version of it). */
export function resourceTypeFor(apiVersion: string, kind: string): ResourceType | undefined {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  return RESOURCE_TYPES.find((t) => t.kind === kind && t.group === group);
}

/** `/api/v1/services` or `/apis/<group>/<version>/<plural>`, across namespaces or in one. */
export function collectionPath(type: Pick<ResourceType, 'group' | 'plural'>, version: string, namespace?: string): string {
  const root = type.group === '' ? `/api/${version}` : `/apis/${type.group}/${version}`;
  return namespace === undefined ? `${root}/${type.plural}` : `${root}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`;
}

/** The path of one object (or its subresource); the namespace is ignored for cluster-scoped kinds. */
export function objectPath(type: ResourceType, version: string, namespace: string | undefined, name: string, subresource?: string): string {
  const base = `${collectionPath(type, version, type.namespaced ? (namespace ?? 'default') : undefined)}/${encodeURIComponent(name)}`;
  return subresource ? `${base}/${subresource}` : base;
}
