// Where each kind of core's resource table lives in the API server's URL space: the
// collection and object paths the informers, the lister and the status writer call.
import { resourceForGroupKind, type ResourceKind } from '@kupstream/core';

/** `plural` or `plural.group`, as RBAC and kubectl name a resource. */
export function resourceName(type: Pick<ResourceKind, 'group' | 'plural'>): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}

/**
 * Why a cluster may not serve a kind: a custom resource's CRD is missing; a built-in API group
 * (`*.k8s.io` of Kubernetes itself) is disabled or too new for the server.
 */
export function notServedHint(type: Pick<ResourceKind, 'group'>): string {
  const builtIn = type.group === '' || (type.group.endsWith('.k8s.io') && !type.group.startsWith('gateway.networking.'));
  return builtIn ? 'is the API enabled on this Kubernetes version?' : 'is the CRD installed?';
}

/** `/api/v1/services` or `/apis/<group>/<version>/<plural>`, across namespaces or in one. */
export function collectionPath(type: Pick<ResourceKind, 'group' | 'plural'>, version: string, namespace?: string): string {
  const root = type.group === '' ? `/api/${version}` : `/apis/${type.group}/${version}`;
  return namespace === undefined ? `${root}/${type.plural}` : `${root}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`;
}

/** The path of one object (or its subresource); the namespace is ignored for cluster-scoped kinds. */
export function objectPath(type: ResourceKind, version: string, namespace: string | undefined, name: string, subresource?: string): string {
  const scoped = type.scope === 'Namespaced' ? (namespace ?? 'default') : undefined;
  const base = `${collectionPath(type, version, scoped)}/${encodeURIComponent(name)}`;
  return subresource ? `${base}/${subresource}` : base;
}

/** The table entry for a status's apiVersion and kind (any version of its group). */
export const resourceTypeFor = (apiVersion: string, kind: string): ResourceKind | undefined => resourceForGroupKind(apiVersion, kind);
