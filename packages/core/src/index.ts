// @kupstream/core for hosts (a controller, a custom proxy, a test suite): the model and
// its result, the snapshot and the resource table it derives from, translation options,
// AgentEndpoint translation and merging, the credential store, stable JSON and redaction.
// What translators share to build that model lives in '@kupstream/core/building-blocks'.

// The model (the JSON contract) and the Kubernetes object shapes read.
export type * from './model.js';
export type * from './kube-objects.js';
export type { TranslationResult } from './result.js';

// Input: the snapshot, from the one table of the kinds kupstream reads.
export type { ClusterSnapshot } from './snapshot.js';
export { snapshotKeyFor } from './snapshot.js';
export type { SnapshotKey, SnapshotObject, ResourceKind, ResourceKindSpec, TranslatorName, ResourceReader } from './resources.js';
export {
  RESOURCE_KINDS,
  RESOURCES,
  SNAPSHOT_KEYS,
  READ_GROUPS,
  resourceForKind,
  resourceForGroupKind,
  groupOf,
  apiVersionOf,
} from './resources.js';
export type { StoredObjectRef, SnapshotChange, SnapshotListener } from './snapshot-store.js';
export { SnapshotStore } from './snapshot-store.js';
// Parsed manifest documents into a snapshot, as `kubectl apply -f` sees them (the host parses the files).
export { buildSnapshot, LoaderCode, DEFAULT_LIST_ITEMS_PER_DOCUMENT } from './snapshot-builder.js';
export type { BuiltSnapshot, BuildSnapshotOptions, ManifestDocument, NodePath } from './snapshot-builder.js';
export type { TranslateOptions } from './options.js';
export { DEFAULT_CLUSTER_DOMAIN, DEFAULT_NAMESPACE } from './options.js';

// Translating AgentEndpoints, merging translator results, the status reasons they set.
export { translateAgentEndpoints } from './agent-endpoint.js';
export { AgentEndpointReason, AGENT_ENDPOINT_API_VERSION } from './agent-endpoint-status.js';
export { mergeResults, CONFLICT_REASON } from './merge.js';

// Beside the model: endpoints of Services for the agent, key material for TLS.
export type { ServiceEndpoint, UpstreamEndpointMap, UpstreamEndpointOptions } from './service-endpoints.js';
export { buildUpstreamEndpoints, SERVICE_NAME_LABEL } from './service-endpoints.js';
export type { UpstreamScheme } from './service-protocol.js';
export type { SecretKey, ClientCredential, StoredClientCredential, CredentialChange, CredentialStoreEvents } from './credential-store.js';
export { CredentialStore, secretKeyString } from './credential-store.js';

// Output: the one serializer, and redaction for everything a host prints or serves.
export { toStableJson } from './stable-json.js';
export { containsPrivateKey, redactPrivateKeys, scrubPrivateKeys, redactKeyMaterial, REDACTED_KEY, REDACTED_VALUE } from './redaction.js';
