// Programmatic entry: run the CLI in-process (tests, wrappers) with your own streams.
export { runCli, reportInternalError } from './run-cli.js';
export type { CliIo } from './io.js';
export { ExitCode } from './exit-codes.js';
export type { ExitCodeValue } from './exit-codes.js';
export { parseCommandLine } from './args/args.js';
export type { ClusterFlags, Command, LeaseFlags, LogFormat, ManifestFlags, OutputFormat, ServeFlags, TranslateFlags } from './args/args.js';
export { loadManifests } from './manifests/load-manifests.js';
export type { LoadedManifests, LoadOptions } from './manifests/load-manifests.js';
export { buildSnapshot, LoaderCode } from './manifests/snapshot-builder.js';
export type { BuiltSnapshot } from './manifests/snapshot-builder.js';
export { translateSnapshot } from './translate/translate-model.js';
export type { TranslateSettings } from './translate/translate-model.js';

// For hosts that embed kupstream: the admin server with the inspector, metrics and
// probes, and the Lease-based election that picks the one replica writing statuses.
export * from '@kupstream/admin';
export { LeaderElector, LEADER_ELECTION_DEFAULTS, systemClock, readRecord } from '@kupstream/cluster';
export type { LeaderElectorOptions, LeaseRecord, ElectionClock } from '@kupstream/cluster';
