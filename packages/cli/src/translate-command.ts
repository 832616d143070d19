// `kupstream translate`: manifests in, the stable JSON of the TranslationResult out.
import { toStableJson } from '@kupstream/core';
import type { TranslateFlags } from './args.js';
import { errorCount } from './diagnostics-summary.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import { writeOut, type CliIo } from './io.js';
import { loadManifests } from './load-manifests.js';
import { createLogger } from './log.js';
import { stdinReader } from './read-source.js';
import { translateSnapshot } from './translate-model.js';

export async function runTranslate(flags: TranslateFlags, io: CliIo): Promise<ExitCodeValue> {
  const loaded = await loadManifests(flags.files, { namespace: flags.namespace, readStdin: stdinReader(io.stdin, io.signal) });
  const result = translateSnapshot(loaded.snapshot, flags, loaded.diagnostics);
  await writeOut(io.stdout, toStableJson(result));
  const errors = errorCount(result);
  if (flags.strict && errors > 0) {
    createLogger(io.stderr).line(`--strict: ${errors} error diagnostic${errors === 1 ? '' : 's'} in the output`);
    return ExitCode.strictErrors;
  }
  return ExitCode.ok;
}
