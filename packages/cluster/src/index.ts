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
export { resourceName, collectionPath, objectPath } from './resources.js';
export type { BackoffOptions } from './backoff.js';
export { LeaderElector, LEADER_ELECTION_DEFAULTS, systemClock } from './leader-election.js';
export { readRecord } from './lease-lock.js';
export type { LeaderElectorOptions, ElectionClock } from './leader-election.js';
export type { LeaseRecord } from './lease-lock.js';
export { createController, createDefaultTranslate } from './controller.js';
export type { Controller, ControllerOptions, StatusWriteMode } from './controller.js';
export { ElectedStatusWriter } from './elected-status-writer.js';
export type { ElectedStatusWriterOptions, StatusWriteEvents } from './elected-status-writer.js';
