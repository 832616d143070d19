// What a wrapper of the binary needs: run the CLI in-process with your own streams, its
// exit codes and parsed flags, and the manifest loading and translation it does. Hosts
// that embed the admin server or the controller loop import @kupstream/admin and
// @kupstream/cluster instead.
export { runCli, reportInternalError } from './run-cli.js';
export type { CliIo } from './io.js';
export { ExitCode } from './exit-codes.js';
export type { ExitCodeValue } from './exit-codes.js';
export { parseCommandLine } from './args/args.js';
export type { ClusterFlags, Command, LeaseFlags, LogFormat, ManifestFlags, OutputFormat, ServeFlags, TranslateFlags } from './args/args.js';
export { loadManifests } from './manifests/load-manifests.js';
export type { LoadedManifests, LoadOptions } from './manifests/load-manifests.js';
export { buildSnapshot, LoaderCode } from '@kupstream/core';
export type { BuiltSnapshot } from '@kupstream/core';
export { translateSnapshot } from './translate/translate-model.js';
export type { TranslateSettings } from './translate/translate-model.js';
