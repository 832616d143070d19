// `--log-format json`: one JSON object per line on stderr (pino, through the admin
// library's redacting logger), with a level, the message and its fields. The message
// also passes the CLI's own redactor, which removes long base64 runs pino's does not.
import type { Writable } from 'node:stream';
import { createLogger as createPinoLogger } from '@kupstream/admin';
import type { LogFields, Logger } from './log.js';
import { redactKeyMaterial } from '@kupstream/core';

export function createJsonLogger(stderr: Writable): Logger {
  const pino = createPinoLogger({ destination: stderr, base: { component: 'kupstream' } });
  const defined = (fields: LogFields | undefined) => Object.fromEntries(Object.entries(fields ?? {}).filter(([, v]) => v !== undefined));
  return {
    line: (text, fields) => pino.info(defined(fields), redactKeyMaterial(text)),
    warn: (text, fields) => pino.warn(defined(fields), redactKeyMaterial(text)),
    error: (text, fields) => pino.error(defined(fields), redactKeyMaterial(text)),
  };
}
