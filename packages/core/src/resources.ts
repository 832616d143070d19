// The one table of the Kubernetes kinds kupstream reads: where each lives in the API
// (group, versions read, plural, scope), which snapshot list holds it, which translator
// reads it and whether a translator writes its status. The snapshot's type, the
// SnapshotStore, the cluster host's informers, the file loader and the incremental
// Gateway translator all derive what they need from it: a new kind is one entry here.
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
import type {
  AgentEndpoint,
  ClusterTrustBundle,
  ConfigMap,
  EndpointSlice,
  Ingress,
  IngressClass,
  Namespace,
  Secret,
  Service,
} from './kube-objects.js';

/** The translators of the SDK, by what they translate. */
export type TranslatorName = 'gateway' | 'ingress' | 'agentEndpoints';

/** Who reads a kind: a translator, or the agent itself (EndpointSlices, beside the model like Envoy's EDS beside CDS). */
export type ResourceReader = TranslatorName | 'agent';

/** The fields of one kind (without its snapshot key). `T` is the object type the snapshot lists hold. */
export interface ResourceKindSpec<T = unknown> {
  kind: string;
  /** `''` for the core group. */
  group: string;
  /** The versions whose shape the translators read, in order of preference: a cluster host lists the first one served. */
  versions: readonly string[];
  /** The resource name in API paths and RBAC rules. */
  plural: string;
  scope: 'Namespaced' | 'Cluster';
  /**
   * Who reads this kind: the translators (the incremental Gateway translator watches what
   * `gateway` reads), or `agent` for a kind no translator reads, handed to the proxy beside
   * the model so that its churn never changes the model.
   */
  readBy: readonly ResourceReader[];
  /** A translator writes this kind's `status` subresource. */
  statusWritten: boolean;
  /** Carries the object type into `ClusterSnapshot`; never set at run time. */
  readonly object?: T;
}

const resource = <T>(spec: Omit<ResourceKindSpec<T>, 'object'>): ResourceKindSpec<T> => spec;

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/**
 * By snapshot key, in the order a snapshot lists them. Ingress v1beta1 is left out on
 * purpose: its backends have another shape (serviceName/servicePort) and it was removed in
 * Kubernetes 1.22. BackendTLSPolicy is v1 from Gateway API v1.4 on and v1alpha3 before;
 * ReferenceGrant is served as v1beta1 everywhere (v1 from v1.5 on), so v1beta1 is listed first.
 * ClusterTrustBundle is v1 from Kubernetes 1.37 on, v1beta1 (off by default) and v1alpha1 before;
 * a cluster that serves none of them simply has none (CA references to one then fail closed).
 */
export const RESOURCE_KINDS = {
  gatewayClasses: resource<GatewayClass>({
    kind: 'GatewayClass',
    group: GATEWAY_GROUP,
    versions: ['v1', 'v1beta1'],
    plural: 'gatewayclasses',
    scope: 'Cluster',
    readBy: ['gateway'],
    statusWritten: true,
  }),
  gateways: resource<Gateway>({
    kind: 'Gateway',
    group: GATEWAY_GROUP,
    versions: ['v1', 'v1beta1'],
    plural: 'gateways',
    scope: 'Namespaced',
    readBy: ['gateway'],
    statusWritten: true,
  }),
  httpRoutes: resource<HTTPRoute>({
    kind: 'HTTPRoute',
    group: GATEWAY_GROUP,
    versions: ['v1', 'v1beta1'],
    plural: 'httproutes',
    scope: 'Namespaced',
    readBy: ['gateway'],
    statusWritten: true,
  }),
  grpcRoutes: resource<GRPCRoute>({
    kind: 'GRPCRoute',
    group: GATEWAY_GROUP,
    versions: ['v1', 'v1alpha2'],
    plural: 'grpcroutes',
    scope: 'Namespaced',
    readBy: ['gateway'],
    statusWritten: true,
  }),
  tlsRoutes: resource<TLSRoute>({
    kind: 'TLSRoute',
    group: GATEWAY_GROUP,
    versions: ['v1', 'v1alpha3', 'v1alpha2'],
    plural: 'tlsroutes',
    scope: 'Namespaced',
    readBy: ['gateway'],
    statusWritten: true,
  }),
  tcpRoutes: resource<TCPRoute>({
    kind: 'TCPRoute',
    group: GATEWAY_GROUP,
    versions: ['v1', 'v1alpha2'],
    plural: 'tcproutes',
    scope: 'Namespaced',
    readBy: ['gateway'],
    statusWritten: true,
  }),
  referenceGrants: resource<ReferenceGrant>({
    kind: 'ReferenceGrant',
    group: GATEWAY_GROUP,
    versions: ['v1beta1', 'v1', 'v1alpha2'],
    plural: 'referencegrants',
    scope: 'Namespaced',
    readBy: ['gateway'],
    statusWritten: false,
  }),
  backendTLSPolicies: resource<BackendTLSPolicy>({
    kind: 'BackendTLSPolicy',
    group: GATEWAY_GROUP,
    versions: ['v1', 'v1alpha3', 'v1alpha2'],
    plural: 'backendtlspolicies',
    scope: 'Namespaced',
    readBy: ['gateway'],
    statusWritten: true,
  }),
  ingressClasses: resource<IngressClass>({
    kind: 'IngressClass',
    group: 'networking.k8s.io',
    versions: ['v1'],
    plural: 'ingressclasses',
    scope: 'Cluster',
    readBy: ['ingress'],
    statusWritten: false,
  }),
  ingresses: resource<Ingress>({
    kind: 'Ingress',
    group: 'networking.k8s.io',
    versions: ['v1'],
    plural: 'ingresses',
    scope: 'Namespaced',
    readBy: ['ingress'],
    statusWritten: true,
  }),
  agentEndpoints: resource<AgentEndpoint>({
    kind: 'AgentEndpoint',
    group: 'ngrok.k8s.ngrok.com',
    versions: ['v1alpha1'],
    plural: 'agentendpoints',
    scope: 'Namespaced',
    readBy: ['agentEndpoints'],
    statusWritten: true,
  }),
  services: resource<Service>({
    kind: 'Service',
    group: '',
    versions: ['v1'],
    plural: 'services',
    scope: 'Namespaced',
    readBy: ['gateway', 'ingress', 'agentEndpoints'],
    statusWritten: false,
  }),
  secrets: resource<Secret>({
    kind: 'Secret',
    group: '',
    versions: ['v1'],
    plural: 'secrets',
    scope: 'Namespaced',
    readBy: ['gateway', 'ingress', 'agentEndpoints'],
    statusWritten: false,
  }),
  configMaps: resource<ConfigMap>({
    kind: 'ConfigMap',
    group: '',
    versions: ['v1'],
    plural: 'configmaps',
    scope: 'Namespaced',
    readBy: ['gateway'],
    statusWritten: false,
  }),
  clusterTrustBundles: resource<ClusterTrustBundle>({
    kind: 'ClusterTrustBundle',
    group: 'certificates.k8s.io',
    versions: ['v1', 'v1beta1', 'v1alpha1'],
    plural: 'clustertrustbundles',
    scope: 'Cluster',
    readBy: ['gateway'],
    statusWritten: false,
  }),
  endpointSlices: resource<EndpointSlice>({
    kind: 'EndpointSlice',
    group: 'discovery.k8s.io',
    versions: ['v1'],
    plural: 'endpointslices',
    scope: 'Namespaced',
    readBy: ['agent'],
    statusWritten: false,
  }),
  namespaces: resource<Namespace>({
    kind: 'Namespace',
    group: '',
    versions: ['v1'],
    plural: 'namespaces',
    scope: 'Cluster',
    readBy: ['gateway'],
    statusWritten: false,
  }),
} as const satisfies Record<string, ResourceKindSpec>;

/** The name of one snapshot list (`gateways`, `httpRoutes`, ...). */
export type SnapshotKey = keyof typeof RESOURCE_KINDS;

/** The object type a snapshot list holds. */
export type SnapshotObject<K extends SnapshotKey> = (typeof RESOURCE_KINDS)[K] extends ResourceKindSpec<infer T> ? T : never;

/** One kind of the table, with the snapshot list that holds it. */
export interface ResourceKind extends ResourceKindSpec {
  key: SnapshotKey;
}

/** Every kind, in snapshot order. */
export const RESOURCES: readonly ResourceKind[] = Object.entries(RESOURCE_KINDS).map(([key, spec]) => ({
  key: key as SnapshotKey,
  ...spec,
}));

/** Every snapshot list, in the order `SnapshotStore.snapshot()` returns them. */
export const SNAPSHOT_KEYS: readonly SnapshotKey[] = RESOURCES.map((r) => r.key);

const BY_KIND = new Map(RESOURCES.map((r) => [r.kind, r]));

/** The table entry of a kind, whatever its group and version. */
export function resourceForKind(kind: unknown): ResourceKind | undefined {
  return typeof kind === 'string' ? BY_KIND.get(kind) : undefined;
}

/** The table entry of an object's `apiVersion` and `kind`, when kupstream reads that kind at that group (any version). */
export function resourceForGroupKind(apiVersion: unknown, kind: unknown): ResourceKind | undefined {
  const resource = resourceForKind(kind);
  return resource && typeof apiVersion === 'string' && groupOf(apiVersion) === resource.group ? resource : undefined;
}

/** `gateway.networking.k8s.io` of `gateway.networking.k8s.io/v1`; `''` of `v1`. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash >= 0 ? apiVersion.slice(0, slash) : '';
}

/** `v1` for the core group, `group/version` otherwise. */
export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** The API groups kupstream reads from (to tell a wrong apiVersion from an unknown kind). */
export const READ_GROUPS: readonly string[] = [...new Set(RESOURCES.map((r) => r.group))];
