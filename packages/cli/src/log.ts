// Human-readable lines on stderr, all prefixed `kupstream: ` and all passed through the
// key-material redactor, whatever produced the text.
import type { Writable } from 'node:stream';
import { redactKeyMaterial } from './redact.js';

export interface Logger {
  line(text: string): void;
}

export function createLogger(stderr: Writable): Logger {
  return {
    line(text) {
      for (const line of redactKeyMaterial(text).replace(/\n+$/, '').split('\n')) stderr.write(`kupstream: ${line}\n`);
    },
  };
}
