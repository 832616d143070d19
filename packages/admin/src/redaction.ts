// What the inspector and the logs must never carry: credentials in headers and PEM
// private keys anywhere. Kept in one place so the request log, the JSON API and the
// logger agree on the list.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Header names whose values are replaced by default (lower case). */
export const DEFAULT_REDACTED_HEADERS: readonly string[] = Object.freeze(['authorization', 'cookie', 'proxy-authorization', 'set-cookie']);

export const REDACTED_VALUE = '[redacted]';
export const REDACTED_KEY = '[redacted: private key material]';

/** Header values as recorded: always strings or string arrays, names lower case. */
export type HeaderRecord = Record<string, string | string[]>;

const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;

/**
 * Copies headers with every value of a redacted name replaced. The name stays visible:
 * "an Authorization header was sent" is useful, its value is not ours to show.
 */
export function redactHeaders(headers: IncomingHttpHeaders | OutgoingHttpHeaders, redacted: ReadonlySet<string>): HeaderRecord {
  const out: HeaderRecord = {};
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    const values = Array.isArray(value) ? value.map(String) : String(value);
    out[name] = redacted.has(name)
      ? Array.isArray(values)
        ? values.map(() => REDACTED_VALUE)
        : REDACTED_VALUE
      : redactPrivateKeys(values);
  }
  return out;
}

export function redactedHeaderSet(names: Iterable<string> = DEFAULT_REDACTED_HEADERS): ReadonlySet<string> {
  return new Set([...names].map((n) => n.toLowerCase()));
}

/** Replaces PEM private key blocks (complete or cut off) in a text or each text of a list. */
export function redactPrivateKeys<T extends string | string[]>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => v.replace(PEM_PRIVATE_KEY, REDACTED_KEY)) as T;
  return value.replace(PEM_PRIVATE_KEY, REDACTED_KEY) as T;
}

/** Deep copy of JSON-shaped data with private key strings replaced (second line of defence for API output). */
export function scrubPrivateKeys(value: unknown): unknown {
  if (typeof value === 'string') return redactPrivateKeys(value);
  if (Array.isArray(value)) return value.map(scrubPrivateKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrubPrivateKeys(v);
    return out;
  }
  return value;
}
