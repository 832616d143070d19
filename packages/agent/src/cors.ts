// The Gateway API CORS filter on one request: a preflight (OPTIONS with Origin and
// Access-Control-Request-Method) is answered by the agent; an actual request from an allowed
// origin gets the Access-Control-* response headers. A request without Origin is not CORS.
import type { OutgoingHttpHeaders } from 'node:http';
import type { Cors, HeaderModifier } from '@kupstream/core';

/** Gateway API default of `maxAge` (seconds). */
const DEFAULT_MAX_AGE = 5;

export type CorsOutcome =
  /** Answer the preflight with these headers (none when the origin is not allowed). */
  | { preflight: OutgoingHttpHeaders }
  /** Forward, and set these on the response. */
  | { response: HeaderModifier };

function single(value: OutgoingHttpHeaders[string]): string | undefined {
  if (typeof value === 'string') return value;
  return Array.isArray(value) && value.length === 1 ? value[0] : undefined;
}

const ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/([^/:?#]+)(?::([0-9]{1,5}))?$/i;

/**
 * Whether `origin` is allowed: `*` allows any; `scheme://host[:port]` is compared without case;
 * a `*.` first label matches one or more labels (`https://*.bar.com` allows `https://a.b.bar.com`).
 */
export function originAllowed(allowOrigins: readonly string[], origin: string): boolean {
  const o = ORIGIN.exec(origin);
  if (!o) return false;
  return allowOrigins.some((pattern) => {
    if (pattern === '*') return true;
    const p = ORIGIN.exec(pattern);
    if (!p || p[1]!.toLowerCase() !== o[1]!.toLowerCase() || (p[3] ?? '') !== (o[3] ?? '')) return false;
    const host = o[2]!.toLowerCase();
    const want = p[2]!.toLowerCase();
    if (!want.startsWith('*.')) return host === want;
    const suffix = want.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length;
  });
}

/** What the filter does for this request, or undefined when the request carries no Origin. */
export function corsOutcome(cors: Cors, method: string, headers: OutgoingHttpHeaders): CorsOutcome | undefined {
  const origin = single(headers.origin);
  if (origin === undefined) return undefined;
  const allowed = originAllowed(cors.allowOrigins ?? [], origin);
  const requestedMethod = single(headers['access-control-request-method']);
  if (method.toUpperCase() === 'OPTIONS' && requestedMethod !== undefined) {
    if (!allowed) return { preflight: {} };
    const methods = cors.allowMethods ?? [];
    const requestedHeaders = single(headers['access-control-request-headers']);
    const allowHeaders = cors.allowHeaders ?? [];
    const out: OutgoingHttpHeaders = {
      'access-control-allow-origin': origin,
      vary: 'Origin',
      // `*`: the requested method / headers are echoed (a literal `*` means nothing with credentials).
      'access-control-allow-methods': methods.includes('*') ? requestedMethod : methods.join(', '),
      'access-control-max-age': String(cors.maxAge ?? DEFAULT_MAX_AGE),
    };
    const headerList = allowHeaders.includes('*') ? requestedHeaders : allowHeaders.join(', ');
    if (headerList) out['access-control-allow-headers'] = headerList;
    if (!out['access-control-allow-methods']) delete out['access-control-allow-methods'];
    if (cors.allowCredentials) out['access-control-allow-credentials'] = 'true';
    if (cors.exposeHeaders && cors.exposeHeaders.length > 0) out['access-control-expose-headers'] = cors.exposeHeaders.join(', ');
    return { preflight: out };
  }
  if (!allowed) return { response: {} };
  const set = [{ name: 'access-control-allow-origin', value: origin }];
  if (cors.allowCredentials) set.push({ name: 'access-control-allow-credentials', value: 'true' });
  if (cors.exposeHeaders && cors.exposeHeaders.length > 0)
    set.push({ name: 'access-control-expose-headers', value: cors.exposeHeaders.join(', ') });
  return { response: { set, add: [{ name: 'vary', value: 'Origin' }] } };
}
