// `kupstream translate`: manifests (or a cluster's objects, see translate-cluster.ts) in,
// the stable JSON (or YAML) of the TranslationResult out.
import type { TranslateFlags } from '../args/args.js';
import type { ExitCodeValue } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadManifests } from '../manifests/load-manifests.js';
import type { Logger } from '../log/log.js';
import { printResult } from './print-result.js';
import { stdinReader } from '../manifests/read-source.js';
import { translateSnapshot } from './translate-model.js';

export async function runTranslate(flags: TranslateFlags, io: CliIo, log: Logger): Promise<ExitCodeValue> {
  // Loaded only when needed: @kubernetes/client-node alone takes a second to load.
  if (flags.cluster) return (await import('./translate-cluster.js')).translateCluster(flags, flags.cluster, io, log);
  const loaded = await loadManifests(flags.files, { namespace: flags.namespace, readStdin: stdinReader(io.stdin, io.signal) });
  const result = translateSnapshot(loaded.snapshot, flags, loaded.diagnostics);
  return printResult(result, flags, io, log);
}
