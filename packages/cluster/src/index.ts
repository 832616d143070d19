// Cluster mode of the reference host: connection, listing, live informers and status
// write-back. Internal to the CLI (the commands wire --kubeconfig and --write-status).
export { loadKubeConfig, contextNamespace, KubeConfigError, SERVICE_ACCOUNT_DIR } from './kubeconfig.js';
export type { LoadKubeConfigOptions } from './kubeconfig.js';
export { createKubeApi, kubeApiOf, ApiError } from './api-client.js';
export type { KubeApi, RequestOptions, WatchEvent } from './api-client.js';
export { listClusterSnapshot, ClusterAccessError } from './list-snapshot.js';
export type { ListClusterOptions } from './list-snapshot.js';
export { watchCluster } from './watch-cluster.js';
export type { ClusterWatch, WatchClusterOptions, ChangeInfo } from './watch-cluster.js';
export { StatusWriter } from './status-writer.js';
export type { StatusWriterOptions, StatusWriteReport, StatusWriteFailure } from './status-writer.js';
export { RESOURCE_TYPES, resourceTypeFor, resourceName, collectionPath, objectPath, apiVersionOf } from './resources.js';
export type { ResourceType } from './resources.js';
export type { BackoffOptions } from './backoff.js';
export { LeaderElector, LEADER_ELECTION_DEFAULTS, systemClock, readRecord } from './leader-election.js';
export type { LeaderElectorOptions, ElectionClock, LeaseRecord } from './leader-election.js';
