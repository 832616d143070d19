// Programmatic entry: run the CLI in-process (tests, wrappers) with your own streams.
export { runCli, reportInternalError } from './run-cli.js';
export type { CliIo } from './io.js';
export { ExitCode } from './exit-codes.js';
export type { ExitCodeValue } from './exit-codes.js';
export { parseCommandLine } from './args.js';
export type { Command, ManifestFlags, ServeFlags, TranslateFlags } from './args.js';
export { loadManifests } from './load-manifests.js';
export type { LoadedManifests, LoadOptions } from './load-manifests.js';
export { buildSnapshot, LoaderCode } from './snapshot-builder.js';
export type { BuiltSnapshot } from './snapshot-builder.js';
export { translateSnapshot } from './translate-model.js';
export type { TranslateSettings } from './translate-model.js';
