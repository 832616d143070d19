// A worker's log lines: the serve logger of the chosen format, each line saying which worker
// wrote it (text: a `worker N:` prefix; JSON: a `worker` field too).
import type { Writable } from 'node:stream';
import type { LogFormat } from '../../args/args.js';
import { createLogger, type LogFields, type Logger } from '../../log/log.js';

export async function workerLogger(format: LogFormat, slot: number, stderr: Writable = process.stderr): Promise<Logger> {
  const base = format === 'json' ? (await import('../../log/json-log.js')).createJsonLogger(stderr) : createLogger(stderr);
  const tagged =
    (write: Logger['line']) =>
    (text: string, fields?: LogFields): void =>
      write(`worker ${slot}: ${text}`, { ...fields, worker: slot });
  return { line: tagged(base.line), warn: tagged(base.warn), error: tagged(base.error) };
}
