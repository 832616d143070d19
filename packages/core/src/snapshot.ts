// The input of every translator: plain Kubernetes objects by kind, one list per entry of
// the resource table (resources.ts).
import { resourceForGroupKind, type SnapshotKey, type SnapshotObject } from './resources.js';

export type { SnapshotKey } from './resources.js';

/**
 * Plain JSON-shaped Kubernetes objects, as in YAML manifests or from informers: one
 * optional list per kind of the resource table (`gatewayClasses`, `gateways`, `httpRoutes`,
 * `grpcRoutes`, `tlsRoutes`, `tcpRoutes`, `referenceGrants`, `backendTLSPolicies`, `ingressClasses`, `ingresses`, `agentEndpoints`,
 * `services`, `secrets`, `configMaps`, `clusterTrustBundles`, `endpointSlices`, `namespaces`). Translators never mutate it and never
 * throw on partial or wrong objects.
 */
export type ClusterSnapshot = { readonly [K in SnapshotKey]?: readonly SnapshotObject<K>[] };

/** Which snapshot list an object of `apiVersion`/`kind` belongs in, if kupstream reads it at that group and version. */
export function snapshotKeyFor(apiVersion: unknown, kind: unknown): SnapshotKey | undefined {
  const resource = resourceForGroupKind(apiVersion, kind);
  if (!resource) return undefined;
  const version = (apiVersion as string).slice((apiVersion as string).lastIndexOf('/') + 1);
  return resource.versions.includes(version) ? resource.key : undefined;
}
