// What the inspector and the logs must never carry: credentials in headers (this list),
// and PEM private keys anywhere (core's redaction module, re-exported here).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { redactPrivateKeys, REDACTED_VALUE } from '@kupstream/core';

export { REDACTED_KEY, REDACTED_VALUE, redactPrivateKeys, scrubPrivateKeys } from '@kupstream/core';

/** Header names whose values are replaced by default (lower case). */
export const DEFAULT_REDACTED_HEADERS: readonly string[] = Object.freeze(['authorization', 'cookie', 'proxy-authorization', 'set-cookie']);

/** Header values as recorded: always strings or string arrays, names lower case. */
export type HeaderRecord = Record<string, string | string[]>;

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
