// Human-readable lines on stderr, all prefixed `kupstream: ` and all passed through the
// key-material redactor, whatever produced the text. `--log-format json` swaps in the
// structured logger of json-log.ts behind the same interface.
import type { Writable } from 'node:stream';
import { redactKeyMaterial } from './redact.js';

/** Facts beside the message, for structured logs (never key material: they are scrubbed anyway). */
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  /** Something worth knowing (the text format's only level). */
  line(text: string, fields?: LogFields): void;
  /** Something went wrong and was handled (a failed reload, a failed status write). */
  warn(text: string, fields?: LogFields): void;
  error(text: string, fields?: LogFields): void;
}

export function createLogger(stderr: Writable): Logger {
  const write = (text: string) => {
    // Control characters other than tab and line breaks are dropped: no terminal escapes from input.
    const clean = redactKeyMaterial(text).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
    for (const line of clean.replace(/\n+$/, '').split('\n')) stderr.write(`kupstream: ${line}\n`);
  };
  return { line: write, warn: write, error: write };
}
