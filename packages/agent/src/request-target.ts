// The request-target as routing sees it and the upstream receives it: one normalized
// origin-form path, so a route matches exactly what is forwarded. The rule (in the spirit
// of Envoy's normalize_path + merge_slashes, with escaped slashes rejected):
//   1. absolute-form (`GET http://host/p`) becomes origin-form when its authority is the
//      Host header's, and is refused (400 `authority_mismatch`) otherwise; any other form
//      than origin- or absolute-form (`*`, authority-form) is refused (400 `path_invalid`);
//   2. escapes of unreserved characters are decoded (`%41` → `A`, `%2e` → `.`), others are
//      kept with upper-case hex; an escaped `/` or `\` (`%2F`, `%5C`), a literal `\`, or a
//      `%` that starts no escape is refused (400 `path_invalid`), since upstreams disagree
//      on what they mean;
//   3. bytes outside visible ASCII are percent-encoded;
//   4. repeated slashes are merged and dot-segments removed (RFC 3986 §5.2.4).
// The query string is passed through unchanged.

export type TargetOutcome =
  { ok: true; path: string; search: string } | { ok: false; code: 'path_invalid' | 'authority_mismatch'; path: string };

const HEX = '0123456789ABCDEF';

function isUnreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e
  );
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** `host[:port]` compared case-insensitively, a scheme's default port counting as none. */
function sameAuthority(authority: string, host: string, scheme: string): boolean {
  const strip = (value: string) => {
    const lower = value.toLowerCase();
    const port = scheme === 'https' ? ':443' : ':80';
    return lower.endsWith(port) ? lower.slice(0, -port.length) : lower;
  };
  return strip(authority) === strip(host);
}

/** Normalizes `req.url` against the Host header; see the rule above. */
export function normalizeRequestTarget(url: string, host: string): TargetOutcome {
  let target = url;
  if (!target.startsWith('/')) {
    const absolute = /^(https?):\/\/([^/?#]*)/i.exec(target);
    if (!absolute) return { ok: false, code: 'path_invalid', path: target };
    const scheme = absolute[1]!.toLowerCase();
    if (!sameAuthority(absolute[2]!, host, scheme)) return { ok: false, code: 'authority_mismatch', path: target };
    target = target.slice(absolute[0].length);
    if (!target.startsWith('/')) target = `/${target}`;
  }
  const end = target.search(/[?#]/);
  const rawPath = end === -1 ? target : target.slice(0, end);
  const search = end === -1 || target[end] === '#' ? '' : target.slice(end).replace(/#.*$/s, '');
  const path = normalizePath(rawPath);
  return path === undefined ? { ok: false, code: 'path_invalid', path: rawPath } : { ok: true, path, search };
}

/** Steps 2-4 of the rule for a path starting with "/"; undefined when it is refused. */
export function normalizePath(raw: string): string | undefined {
  const segments: string[] = [];
  let segment = '';
  const close = (last: boolean) => {
    if (segment === '..') segments.pop();
    else if (segment !== '.' && segment !== '') segments.push(segment);
    // `/a/`, `/a/.` and `/a/..` keep a trailing slash (RFC 3986 §5.2.4).
    if (last && (segment === '' || segment === '.' || segment === '..') && raw.length > 1) segments.push('');
    segment = '';
  };
  for (let i = 1; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x2f) {
      close(false);
      continue;
    }
    if (c === 0x5c) return undefined;
    if (c === 0x25) {
      const hi = hexValue(raw.charCodeAt(i + 1));
      const lo = hexValue(raw.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return undefined;
      const byte = hi * 16 + lo;
      if (byte === 0x2f || byte === 0x5c) return undefined;
      segment += isUnreserved(byte) ? String.fromCharCode(byte) : `%${HEX[hi]}${HEX[lo]}`;
      i += 2;
      continue;
    }
    if (c <= 0x20 || c >= 0x7f) {
      // Node hands request-target bytes over as latin1; above 0xff cannot come from a parser.
      if (c > 0xff) return undefined;
      segment += `%${HEX[c >> 4]}${HEX[c & 15]}`;
      continue;
    }
    segment += raw[i];
  }
  close(true);
  return `/${segments.join('/')}`;
}
