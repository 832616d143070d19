// `kupstream translate`: manifests (or a cluster's objects, see translate-cluster.ts) in,
// the stable JSON (or YAML) of the TranslationResult out.
import type { TranslateFlags } from '../args/args.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { loadManifests } from '../manifests/load-manifests.js';
import { ParseAborted } from '../manifests/parse-off-thread.js';
import type { Logger } from '../log/log.js';
import { printResult } from './print-result.js';
import { stdinReader } from '../manifests/read-source.js';
import { translateSnapshot } from './translate-model.js';

export async function runTranslate(flags: TranslateFlags, io: CliIo, log: Logger): Promise<ExitCodeValue> {
  // Loaded only when needed: @kubernetes/client-node alone takes a second to load.
  if (flags.cluster) return (await import('./translate-cluster.js')).translateCluster(flags, flags.cluster, io, log);
  let loaded;
  try {
    loaded = await loadManifests(flags.files, {
      namespace: flags.namespace,
      readStdin: stdinReader(io.stdin, io.signal),
      ...(io.signal ? { signal: io.signal } : {}),
    });
  } catch (error) {
    if (!(error instanceof ParseAborted)) throw error;
  }
  // The first signal stops a translation: nothing is printed, nothing half-written.
  if (!loaded || io.signal?.aborted) {
    log.line('stopped by a signal');
    return ExitCode.interrupted;
  }
  const result = translateSnapshot(loaded.snapshot, flags, loaded.diagnostics);
  if (io.signal?.aborted) {
    log.line('stopped by a signal');
    return ExitCode.interrupted;
  }
  return printResult(result, flags, io, log);
}
