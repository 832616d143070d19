// The rules for every manifest value that ends up on the wire as an HTTP header name, a
// header value or a request path: checked at translation time, so the agent is never
// handed a value Node would refuse to write (or, worse, one that splits a message).
// RFC 9110 §5.1 (field names are tokens), §5.5 (field values), RFC 3986 §3.3 (paths).

/** RFC 9110 tchar: `!#$%&'*+-.^_\`|~`, digits and letters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Field values kept to visible ASCII, space and tab, with no whitespace at either end.
 * RFC 9110 allows obs-text (0x80-0xFF) but says senders should not generate it; a YAML
 * `café` means UTF-8, which Node cannot write as a header string, so it is refused.
 */
const FIELD_VALUE = /^(?:[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?)?$/;

/**
 * The hop header: each kupstream proxy appends its own instance token, refuses a request
 * that already carries it (a loop), and the admin server refuses any request carrying it
 * (it came through a proxy, so it is not the loopback client the admin page trusts).
 */
export const PROXY_HOP_HEADER = 'x-kupstream-hop';

/**
 * Headers a route filter may not set, add or remove: they frame the message or belong to
 * one hop (RFC 9110 §7.6.1, RFC 9112 §6), so a filter changing them could smuggle a
 * second request or break the connection. (Host is not here: the proxy always writes it
 * itself, from the request or a URLRewrite hostname, whatever a filter set.)
 */
export const RESERVED_HEADER_NAMES: ReadonlySet<string> = new Set([
  'connection',
  'content-length',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  PROXY_HOP_HEADER,
]);

/** A wire value's problem, as text that completes "<field> …", or undefined when it is fine. */
export type WireProblem = string | undefined;

export function headerNameProblem(name: string): WireProblem {
  if (!TOKEN.test(name)) return `${JSON.stringify(name)} is not a valid header name (RFC 9110 token: letters, digits and !#$%&'*+-.^_\`|~)`;
  if (RESERVED_HEADER_NAMES.has(name.toLowerCase()))
    return `${JSON.stringify(name)} frames the message or belongs to one hop and cannot be changed by a filter`;
  return undefined;
}

export function headerValueProblem(value: string): WireProblem {
  if (FIELD_VALUE.test(value)) return undefined;
  return `${JSON.stringify(value)} is not a valid header value (visible ASCII, spaces and tabs inside; no control characters, no line breaks, no non-ASCII text)`;
}

/** RFC 3986 pchar plus "/": unreserved, sub-delims, ":", "@", and "%" of an escape. */
const PATH_CHAR = /[A-Za-z0-9\-._~!$&'()*+,;=:@/%]/;

/**
 * A path for the wire: non-ASCII text percent-encoded as UTF-8 (`/café` → `/caf%C3%A9`);
 * anything else outside RFC 3986 pchar is refused. Returns the path, or a problem.
 */
export function wirePath(path: string): { ok: true; path: string } | { ok: false; problem: string } {
  if (!path.startsWith('/')) return { ok: false, problem: 'must be a path starting with "/"' };
  let out = '';
  for (const char of path) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) return { ok: false, problem: `${JSON.stringify(path)} contains a lone UTF-16 surrogate` };
    if (code > 0x7e) {
      out += encodeURIComponent(char);
      continue;
    }
    if (!PATH_CHAR.test(char))
      return {
        ok: false,
        problem: `${JSON.stringify(path)} contains ${JSON.stringify(char)}, which a path cannot carry (no spaces, control characters, "?", "#", quotes or backslashes)`,
      };
    out += char;
  }
  for (let i = out.indexOf('%'); i !== -1; i = out.indexOf('%', i + 1)) {
    if (!/^%[0-9A-Fa-f]{2}/.test(out.slice(i, i + 3)))
      return { ok: false, problem: `${JSON.stringify(path)} has a "%" that does not start a percent-escape (%XX)` };
  }
  return { ok: true, path: out };
}
