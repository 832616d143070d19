// @kupstream/workers: a proxy on N processes sharing its listening ports (node:cluster). The
// primary (WorkerSupervisor) forks and replaces workers and sends each the host's
// configuration and every model with the key material it needs (model-transfer.ts), over the
// IPC channel only; workers report their traffic, pools and endpoint health back in batches
// (WorkerTraffic), which the primary replays for one admin view (WorkerReports,
// WorkerEndpointHealth). What a worker serves is the host's: `kupstream serve --workers N`
// composes a proxy and its listeners there.

// The primary.
export { WorkerSupervisor, WorkerStartupError } from './worker-supervisor.js';
export type { SupervisorOptions, SupervisorLog } from './worker-supervisor.js';
export { WorkerReports } from './worker-reports.js';
export { WorkerEndpointHealth } from './worker-endpoint-health.js';

// Both sides.
export { packModel, unpackModel } from './model-transfer.js';
export type { ModelTransfer, ClientMaterial } from './model-transfer.js';
export { isPrimaryMessage, isWorkerMessage } from './worker-messages.js';
export type {
  PrimaryMessage,
  WorkerMessage,
  WorkerConfig,
  PoolReport,
  ResponseCount,
  FailureCount,
  RequestEntryMessage,
} from './worker-messages.js';
export { WORKER_DEFAULTS } from './worker-defaults.js';

// A worker.
export { WorkerTraffic } from './worker-traffic.js';
export type { WorkerTrafficOptions } from './worker-traffic.js';
