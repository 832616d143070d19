// The end of every translate: the result on stdout, and --strict's verdict.
import type { TranslationResult } from '@kupstream/core';
import type { TranslateFlags } from '../args/args.js';
import { errorCount } from './diagnostics-summary.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { writeOut, type CliIo } from '../io.js';
import type { Logger } from '../log/log.js';
import { formatResult } from './output-format.js';

export async function printResult(result: TranslationResult, flags: TranslateFlags, io: CliIo, log: Logger): Promise<ExitCodeValue> {
  await writeOut(io.stdout, formatResult(result, flags.output));
  const errors = errorCount(result);
  if (flags.strict && errors > 0) {
    log.line(`--strict: ${errors} error diagnostic${errors === 1 ? '' : 's'} in the output`);
    return ExitCode.strictErrors;
  }
  return ExitCode.ok;
}
