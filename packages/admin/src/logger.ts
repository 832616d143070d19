// Structured JSON logs (pino) that never carry a secret. Three layers, because a key
// can reach a log line by many roads: pino's path redaction for the known shapes, a
// deep scrub by property name and PEM content for everything logged as an object or
// a child binding, and the same scrub on string arguments (messages, format args).
import { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { pino, stdSerializers, type DestinationStream, type Level, type Logger } from 'pino';
import { REDACTED_KEY, REDACTED_VALUE, redactPrivateKeys } from './redaction.js';

/** pino redact paths; the deep scrub below also catches these names at any depth. */
export const LOG_REDACT_PATHS: readonly string[] = Object.freeze([
  'keyPem',
  '*.keyPem',
  'privateKey',
  '*.privateKey',
  'tls.key',
  '*.tls.key',
  'data["tls.key"]',
  '*.data["tls.key"]',
  'stringData["tls.key"]',
  '*.stringData["tls.key"]',
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
  'headers["set-cookie"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
]);

/** Property names whose values are never logged, wherever they appear (lower case). */
const SECRET_NAMES = new Set([
  'keypem',
  'privatekey',
  'tls.key',
  'authorization',
  'cookie',
  'proxy-authorization',
  'set-cookie',
  'password',
  'token',
]);

export interface LoggerOptions {
  /** Default `info`; `silent` turns logging off. */
  level?: Level | 'silent';
  /** Where JSON lines go; default stdout. */
  destination?: DestinationStream;
  /** Bound on every line, e.g. `{ component: 'serve' }`. */
  base?: Record<string, string>;
}

export type { Logger };

export function createLogger(options: LoggerOptions = {}): Logger {
  const config = {
    level: options.level ?? 'info',
    base: { pid: process.pid, hostname: hostname(), ...(options.base ?? {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED_VALUE },
    serializers: { err: stdSerializers.err },
    formatters: {
      level: (label: string) => ({ level: label }),
      bindings: (bindings: Record<string, unknown>) => scrub(bindings) as Record<string, unknown>,
      log: (object: Record<string, unknown>) => scrub(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...a: unknown[]) => void) {
        method.apply(
          this,
          (args as unknown[]).map((a) => (typeof a === 'string' ? redactPrivateKeys(a) : a)),
        );
      },
    },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** Deep copy with secret-named properties censored and PEM private keys cut out of every string. */
function scrub(value: unknown, seen = new WeakSet<object>(), depth = 0): unknown {
  if (typeof value === 'string') return redactPrivateKeys(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth > MAX_DEPTH) return '[too deep]';
  seen.add(value);
  const next = (v: unknown) => scrub(v, seen, depth + 1);
  // Errors keep message and stack only through their serializer; scrub what it returns.
  // The serializers return objects with prototypes of their own: flatten them to plain data.
  if (value instanceof Error) return next(plain(stdSerializers.err(value)));
  if (value instanceof IncomingMessage) return next(plain(stdSerializers.req(value)));
  if (value instanceof ServerResponse) return next(plain(stdSerializers.res(value)));
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (Array.isArray(value)) return value.map(next);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return next(toJSON.call(value));
  const proto: unknown = Object.getPrototypeOf(value);
  // Sockets, agents and the like: walking them is costly and says nothing useful.
  if (proto !== Object.prototype && proto !== null) return `[object ${value.constructor?.name ?? 'Object'}]`;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const name = key.toLowerCase();
    out[key] = SECRET_NAMES.has(name) ? (name.includes('key') ? REDACTED_KEY : REDACTED_VALUE) : next(v);
  }
  return out;
}

const MAX_DEPTH = 10;

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}
