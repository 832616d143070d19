// What no output of a kupstream host may carry: PEM private keys (anywhere) and long base64
// runs that may be Secret data (in messages). The one place the markers and the
// replacement texts are defined; the model serializer, the admin server's request log and
// JSON API, and the CLI's logs all redact through it.

/** Replaces private key material. */
export const REDACTED_KEY = '[redacted: private key material]';
/** Replaces a credential value (a header) or a run that may be key material in a message. */
export const REDACTED_VALUE = '[redacted]';

const PRIVATE_KEY_MARKER = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
/** A PEM private key block, complete or cut off. */
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
/** Long runs of base64 alphabet: PEM bodies are 64-character lines; Secret `data` values are longer. */
const BASE64_RUN = /[A-Za-z0-9+/]{60,}={0,2}/g;

/**
 * Whether a run of base64 alphabet looks like encoded bytes rather than a long path or
 * name: some upper case (Kubernetes names have none, and 60 random base64 characters
 * without one are vanishingly rare), and slashes rare: one in 64 characters on average in
 * base64, one every few characters in a path. Fewer than one in 6 is taken as base64; a
 * 64-character PEM line reaches that bound with a chance below one in ten million, where one
 * in 12 was crossed by about one line of key in two hundred.
 */
function looksEncoded(run: string): boolean {
  if (!/[A-Z]/.test(run)) return false;
  let slashes = 0;
  for (let i = 0; i < run.length; i++) if (run.charCodeAt(i) === 47) slashes++;
  return slashes * 6 < run.length;
}

/** True when a text contains PEM private key material. */
export function containsPrivateKey(text: string): boolean {
  return PRIVATE_KEY_MARKER.test(text);
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

/** A message with PEM blocks and long base64 runs replaced: the last line of defence for text built from user input. */
export function redactKeyMaterial(text: string): string {
  return text.replace(PEM_PRIVATE_KEY, REDACTED_VALUE).replace(BASE64_RUN, (run) => (looksEncoded(run) ? REDACTED_VALUE : run));
}
