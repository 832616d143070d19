// Type tests of the public API of both entry points, checked by tsc (`tsc -p tsconfig.json`
// runs before mocha): a change to these signatures fails the build of the tests, not a
// user's build later.
import type { EventEmitter } from 'node:events';
import type {
  Condition as GatewayApiCondition,
  Gateway,
  HTTPRoute,
  ObjectMeta as GatewayApiObjectMeta,
} from '@kupstream/gateway-api-types';
import type {
  createTranslationResult,
  DiagnosticList,
  DuplicateRule,
  ObjectAdmission,
  reportMalformed,
  ResolvedTranslateOptions,
  resolveTranslateOptions,
} from '../src/building-blocks.js';
import type {
  AgentEndpoint,
  buildUpstreamEndpoints,
  ClientCredential,
  ClusterSnapshot,
  Condition,
  ConditionStatus,
  CredentialChange,
  CredentialStore,
  CredentialStoreEvents,
  Diagnostic,
  EndpointSlice,
  KubeObject,
  mergeResults,
  ObjectMeta,
  RESOURCE_KINDS,
  ResourceKind,
  RESOURCES,
  ResourceStatus,
  Secret,
  SecretKey,
  Severity,
  SnapshotChange,
  SnapshotKey,
  snapshotKeyFor,
  SnapshotObject,
  SnapshotStore,
  StoredClientCredential,
  StoredObjectRef,
  TranslateOptions,
  translateAgentEndpoints,
  TranslationModel,
  TranslationResult,
  Upstream,
  UpstreamEndpointMap,
  UpstreamEndpointOptions,
  UpstreamProtocol,
  Verification,
} from '../src/index.js';

/** `true` only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(_proof?: T): void => undefined;
/** The keys a caller must set. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

// Translating and merging: a snapshot and options in, a TranslationResult out.
expectType<Equal<Parameters<typeof translateAgentEndpoints>, [snapshot: ClusterSnapshot, options?: TranslateOptions]>>();
expectType<Equal<ReturnType<typeof translateAgentEndpoints>, TranslationResult>>();
expectType<Equal<Parameters<typeof mergeResults>, TranslationResult[]>>();
expectType<Equal<ReturnType<typeof mergeResults>, TranslationResult>>();
expectType<Equal<RequiredKeys<TranslateOptions>, never>>();
expectType<Equal<TranslateOptions['now'], (() => Date) | undefined>>();

// The result: the four model arrays, and beside them (read-only) the credentials and the time.
expectType<Equal<keyof TranslationModel, 'endpoints' | 'upstreams' | 'statuses' | 'diagnostics'>>();
expectType<TranslationResult extends TranslationModel ? true : false>();
expectType<Equal<Pick<TranslationResult, 'credentials'>, { readonly credentials: CredentialStore }>>();
expectType<Equal<Pick<TranslationResult, 'translatedAt'>, { readonly translatedAt?: Date }>>();
expectType<Equal<TranslationModel['upstreams'], Upstream[]>>();
expectType<Equal<TranslationModel['statuses'], ResourceStatus[]>>();
expectType<Equal<TranslationModel['diagnostics'], Diagnostic[]>>();

// Model types.
expectType<Equal<Upstream['protocol'], UpstreamProtocol>>();
expectType<Equal<UpstreamProtocol, 'http1' | 'http2'>>();
expectType<Equal<Verification['mode'], 'none' | 'ca' | 'system'>>();
expectType<Equal<Diagnostic['severity'], Severity>>();
expectType<Equal<Severity, 'error' | 'warning' | 'info'>>();
expectType<Equal<ResourceStatus['status'], Record<string, unknown>>>();
// One definition each: metav1.Condition and ObjectMeta come from the Gateway API types.
expectType<Equal<Condition, GatewayApiCondition>>();
expectType<Equal<ConditionStatus, Condition['status']>>();
expectType<Equal<ObjectMeta, GatewayApiObjectMeta>>();
expectType<Equal<KubeObject['metadata'], ObjectMeta | undefined>>();

// CredentialStore: PEM by Secret reference, CA bundles by digest, change events.
expectType<CredentialStore extends EventEmitter<CredentialStoreEvents> ? true : false>();
expectType<Equal<CredentialStoreEvents['change'], [CredentialChange]>>();
expectType<Equal<CredentialStore['set'], (ref: SecretKey, material: ClientCredential) => StoredClientCredential>>();
expectType<Equal<CredentialStore['get'], (ref: SecretKey) => StoredClientCredential | undefined>>();
expectType<Equal<CredentialStore['delete'], (ref: SecretKey) => boolean>>();
expectType<Equal<CredentialStore['setCaBundle'], (sha256: string, pem: string) => void>>();
expectType<Equal<CredentialStore['getCaBundle'], (sha256: string) => string | undefined>>();
expectType<Equal<CredentialStore['absorb'], (other: CredentialStore) => CredentialStore>>();
expectType<Equal<keyof SecretKey, 'namespace' | 'name'>>();
expectType<Equal<Pick<StoredClientCredential, 'key' | 'version'>, { readonly key: string; readonly version: number }>>();

// ClusterSnapshot: its lists are the resource table's keys, each with the table's object type.
expectType<Equal<SnapshotKey, keyof typeof RESOURCE_KINDS>>();
expectType<Equal<keyof ClusterSnapshot, SnapshotKey>>();
expectType<Equal<ClusterSnapshot, { readonly [K in SnapshotKey]?: readonly SnapshotObject<K>[] }>>();
expectType<Equal<ClusterSnapshot['gateways'], readonly Gateway[] | undefined>>();
expectType<Equal<ClusterSnapshot['httpRoutes'], readonly HTTPRoute[] | undefined>>();
expectType<Equal<ClusterSnapshot['secrets'], readonly Secret[] | undefined>>();
expectType<Equal<SnapshotObject<'agentEndpoints'>, AgentEndpoint>>();
expectType<Equal<SnapshotObject<'endpointSlices'>, EndpointSlice>>();
// Every kind of the design is in the table (a new one may be added; none may go silently).
expectType<
  Equal<
    Exclude<
      | 'gatewayClasses'
      | 'gateways'
      | 'httpRoutes'
      | 'grpcRoutes'
      | 'tlsRoutes'
      | 'tcpRoutes'
      | 'referenceGrants'
      | 'backendTLSPolicies'
      | 'ingressClasses'
      | 'ingresses'
      | 'agentEndpoints'
      | 'services'
      | 'secrets'
      | 'configMaps'
      | 'endpointSlices'
      | 'namespaces',
      SnapshotKey
    >,
    never
  >
>();
expectType<Equal<typeof RESOURCES, readonly ResourceKind[]>>();
expectType<Equal<ResourceKind['key'], SnapshotKey>>();
expectType<Equal<ResourceKind['scope'], 'Namespaced' | 'Cluster'>>();
expectType<Equal<typeof snapshotKeyFor, (apiVersion: unknown, kind: unknown) => SnapshotKey | undefined>>();

// SnapshotStore, what informers feed: any object in, a frozen sorted snapshot out.
expectType<Equal<SnapshotStore['upsert'], (object: unknown) => boolean>>();
expectType<Equal<SnapshotStore['delete'], (objectOrRef: KubeObject | StoredObjectRef) => boolean>>();
expectType<Equal<SnapshotStore['replace'], (key: SnapshotKey, objects: readonly unknown[]) => unknown[]>>();
expectType<Equal<SnapshotStore['snapshot'], () => ClusterSnapshot>>();
expectType<Equal<SnapshotStore['subscribe'], (listener: (change: SnapshotChange) => void) => () => void>>();

// Endpoints beside the model, for the agent.
expectType<
  Equal<
    typeof buildUpstreamEndpoints,
    (snapshot: ClusterSnapshot, upstreams: readonly Upstream[], options?: UpstreamEndpointOptions) => UpstreamEndpointMap
  >
>();

// Building blocks a translator of its own starts from.
expectType<Equal<typeof resolveTranslateOptions, (options?: TranslateOptions) => ResolvedTranslateOptions>>();
expectType<Equal<ResolvedTranslateOptions['now'], Date>>();
expectType<Equal<typeof reportMalformed, (list: unknown, kind: string, diagnostics: DiagnosticList) => number>>();
expectType<Equal<ConstructorParameters<typeof ObjectAdmission>, [kind: string, rule: DuplicateRule, diagnostics: DiagnosticList]>>();
expectType<Equal<DuplicateRule, 'oldest' | 'first in canonical order'>>();
expectType<
  Equal<typeof createTranslationResult, (model: TranslationModel, credentials?: CredentialStore, translatedAt?: Date) => TranslationResult>
>();

describe('public API types', () => {
  it('are checked by tsc before the tests run', () => undefined);
});
