// HTTPRoute rule filters: header modifiers, redirect and rewrite, validated into the
// model's shapes. Anything else is reported; a rule whose filters cannot be honoured
// answers 500 rather than being skipped.
import type { Cors, Filter, HeaderModifier, HeaderValue, Match, PathModifier } from '@kupstream/core';
import { headerNameProblem, headerValueProblem, isRecord, wirePath } from '@kupstream/core/building-blocks';
import { isValidHostname } from './hostnames.js';
import { Reason } from './reasons.js';

/** A RequestMirror filter whose backendRef the caller resolves: `filters[index].requestMirror.upstream` is filled then. */
export interface PendingMirror {
  index: number;
  backendRef: unknown;
  field: string;
}

export type FiltersOutcome =
  | { ok: true; filters: Filter[]; ignored: { message: string; field: string }[]; mirrors?: PendingMirror[] }
  | { ok: false; reason: string; message: string; field: string; ignored: { message: string; field: string }[] };

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

export function readFilters(value: unknown, matches: readonly Match[], field: string): FiltersOutcome {
  const ignored: { message: string; field: string }[] = [];
  if (value === undefined || value === null) return { ok: true, filters: [], ignored };
  if (!Array.isArray(value)) return { ok: false, reason: Reason.UnsupportedValue, message: 'filters must be a list', field, ignored };
  const filters: Filter[] = [];
  const mirrors: PendingMirror[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of value.entries()) {
    const at = `${field}[${i}]`;
    const fail = (message: string, reason: string = Reason.UnsupportedValue): FiltersOutcome => ({
      ok: false,
      reason,
      message,
      field: at,
      ignored,
    });
    if (!isRecord(entry) || typeof entry.type !== 'string') return fail('filter type is required');
    const type = entry.type;
    if (seen.has(type) && type !== 'RequestMirror') return fail(`filter ${type} appears more than once`);
    seen.add(type);
    switch (type) {
      case 'RequestHeaderModifier':
      case 'ResponseHeaderModifier': {
        const key = type === 'RequestHeaderModifier' ? 'requestHeaderModifier' : 'responseHeaderModifier';
        const modifier = readHeaderModifier(entry[key]);
        if (typeof modifier === 'string') return fail(`${key} ${modifier}`);
        filters.push(
          type === 'RequestHeaderModifier' ? { type, requestHeaderModifier: modifier } : { type, responseHeaderModifier: modifier },
        );
        break;
      }
      case 'RequestRedirect': {
        const redirect = readRedirect(entry.requestRedirect, matches);
        if (typeof redirect === 'string') return fail(`requestRedirect ${redirect}`);
        filters.push({ type, requestRedirect: redirect });
        break;
      }
      case 'URLRewrite': {
        const rewrite = readRewrite(entry.urlRewrite, matches);
        if (typeof rewrite === 'string') return fail(`urlRewrite ${rewrite}`);
        filters.push({ type, urlRewrite: rewrite });
        break;
      }
      case 'RequestMirror': {
        const mirror = readMirror(entry.requestMirror);
        if (typeof mirror === 'string') return fail(`requestMirror ${mirror}`);
        mirrors.push({ index: filters.length, backendRef: mirror.backendRef, field: `${at}.requestMirror.backendRef` });
        filters.push({ type, requestMirror: { upstream: '', ...(mirror.fraction ? { fraction: mirror.fraction } : {}) } });
        break;
      }
      case 'CORS': {
        const cors = readCors(entry.cors);
        if (typeof cors === 'string') return fail(`cors ${cors}`);
        filters.push({ type, cors });
        break;
      }
      default:
        return fail(
          `filter type ${JSON.stringify(type)} is not supported (RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, URLRewrite, RequestMirror and CORS are)`,
        );
    }
  }
  if (seen.has('RequestRedirect') && seen.has('URLRewrite')) {
    return {
      ok: false,
      reason: Reason.IncompatibleFilters,
      message: 'RequestRedirect and URLRewrite cannot be used together',
      field,
      ignored,
    };
  }
  return { ok: true, filters, ignored, ...(mirrors.length > 0 ? { mirrors } : {}) };
}

function readHeaderModifier(value: unknown): HeaderModifier | string {
  if (!isRecord(value)) return 'must be an object';
  const out: HeaderModifier = {};
  for (const key of ['set', 'add'] as const) {
    const list = value[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) return `${key} must be a list`;
    const headers: HeaderValue[] = [];
    for (const header of list) {
      if (!isRecord(header) || typeof header.name !== 'string' || header.name === '' || typeof header.value !== 'string')
        return `${key} entries need a name and a string value`;
      const problem = headerNameProblem(header.name) ?? headerValueProblem(header.value);
      if (problem) return `${key} ${header.name}: ${problem}`;
      headers.push({ name: header.name, value: header.value });
    }
    if (headers.length > 0) out[key] = headers;
  }
  if (value.remove !== undefined && value.remove !== null) {
    if (!Array.isArray(value.remove) || !value.remove.every((n): n is string => typeof n === 'string' && n !== ''))
      return 'remove must be a list of header names';
    const problem = value.remove.map((name) => headerNameProblem(name)).find((p) => p !== undefined);
    if (problem) return `remove: ${problem}`;
    if (value.remove.length > 0) out.remove = [...value.remove];
  }
  return out;
}

function readPathModifier(value: unknown, matches: readonly Match[]): PathModifier | string {
  if (!isRecord(value)) return 'path must be an object';
  if (value.type === 'ReplaceFullPath') {
    if (typeof value.replaceFullPath !== 'string' || !value.replaceFullPath.startsWith('/'))
      return 'path.replaceFullPath must be a path starting with "/"';
    const wire = wirePath(value.replaceFullPath);
    if (!wire.ok) return `path.replaceFullPath ${wire.problem}`;
    return { type: 'ReplaceFullPath', replaceFullPath: wire.path };
  }
  if (value.type === 'ReplacePrefixMatch') {
    if (typeof value.replacePrefixMatch !== 'string' || !value.replacePrefixMatch.startsWith('/'))
      return 'path.replacePrefixMatch must be a path starting with "/"';
    const wire = wirePath(value.replacePrefixMatch);
    if (!wire.ok) return `path.replacePrefixMatch ${wire.problem}`;
    if (!matches.every((m) => m.path?.type === 'PathPrefix'))
      return 'path ReplacePrefixMatch needs every match of the rule to be a PathPrefix match';
    return { type: 'ReplacePrefixMatch', replacePrefixMatch: wire.path };
  }
  return `path.type ${JSON.stringify(value.type)} is not ReplaceFullPath or ReplacePrefixMatch`;
}

/** `hostname` and `path`, which RequestRedirect and URLRewrite read alike; a problem as text. */
function readHostnameAndPath(
  value: Record<string, unknown>,
  matches: readonly Match[],
  out: { hostname?: string; path?: Exclude<ReturnType<typeof readPathModifier>, string> },
): string | undefined {
  if (value.hostname !== undefined) {
    if (typeof value.hostname !== 'string' || !isValidHostname(value.hostname) || value.hostname.startsWith('*'))
      return 'hostname must be a DNS name';
    out.hostname = value.hostname;
  }
  if (value.path !== undefined) {
    const path = readPathModifier(value.path, matches);
    if (typeof path === 'string') return path;
    out.path = path;
  }
  return undefined;
}

function readRedirect(value: unknown, matches: readonly Match[]): Extract<Filter, { type: 'RequestRedirect' }>['requestRedirect'] | string {
  if (!isRecord(value)) return 'must be an object';
  const out: Extract<Filter, { type: 'RequestRedirect' }>['requestRedirect'] = {};
  if (value.scheme !== undefined) {
    if (value.scheme !== 'http' && value.scheme !== 'https') return 'scheme must be http or https';
    out.scheme = value.scheme;
  }
  const problem = readHostnameAndPath(value, matches, out);
  if (problem) return problem;
  if (value.port !== undefined) {
    if (typeof value.port !== 'number' || !Number.isInteger(value.port) || value.port < 1 || value.port > 65535)
      return 'port must be from 1 to 65535';
    out.port = value.port;
  }
  const statusCode = value.statusCode ?? 302;
  if (typeof statusCode !== 'number' || !REDIRECT_CODES.has(statusCode)) return 'statusCode must be 301, 302, 303, 307 or 308';
  out.statusCode = statusCode;
  return out;
}

function readRewrite(value: unknown, matches: readonly Match[]): Extract<Filter, { type: 'URLRewrite' }>['urlRewrite'] | string {
  if (!isRecord(value)) return 'must be an object';
  const out: Extract<Filter, { type: 'URLRewrite' }>['urlRewrite'] = {};
  const problem = readHostnameAndPath(value, matches, out);
  if (problem) return problem;
  return out;
}

function readMirror(value: unknown): { backendRef: unknown; fraction?: { numerator: number; denominator: number } } | string {
  if (!isRecord(value)) return 'must be an object';
  if (!isRecord(value.backendRef)) return 'backendRef is required';
  if (value.percent !== undefined && value.fraction !== undefined) return 'takes percent or fraction, not both';
  if (value.percent !== undefined) {
    const { percent } = value;
    if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 0 || percent > 100)
      return 'percent must be an integer from 0 to 100';
    return percent === 100
      ? { backendRef: value.backendRef }
      : { backendRef: value.backendRef, fraction: { numerator: percent, denominator: 100 } };
  }
  if (value.fraction !== undefined) {
    if (!isRecord(value.fraction)) return 'fraction must be an object';
    const { numerator } = value.fraction;
    const denominator = value.fraction.denominator ?? 100;
    if (typeof numerator !== 'number' || !Number.isInteger(numerator) || numerator < 0)
      return 'fraction.numerator must be an integer of 0 or more';
    if (typeof denominator !== 'number' || !Number.isInteger(denominator) || denominator < 1)
      return 'fraction.denominator must be an integer of 1 or more';
    if (numerator > denominator) return 'fraction.numerator must not exceed fraction.denominator';
    return numerator === denominator
      ? { backendRef: value.backendRef }
      : { backendRef: value.backendRef, fraction: { numerator, denominator } };
  }
  return { backendRef: value.backendRef };
}

/** `*`, or `scheme://host[:port]` where host may start with a `*.` label wildcard. */
const CORS_ORIGIN = /^(\*|[a-z][a-z0-9+.-]*:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:[0-9]{1,5})?)$/i;
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_CORS_ENTRIES = 64;

function readCors(value: unknown): Cors | string {
  if (!isRecord(value)) return 'must be an object';
  const out: Cors = {};
  const list = (key: 'allowOrigins' | 'allowMethods' | 'allowHeaders' | 'exposeHeaders', check: (v: string) => string | undefined) => {
    const raw = value[key];
    if (raw === undefined || raw === null) return undefined;
    if (!Array.isArray(raw) || raw.length > MAX_CORS_ENTRIES) return `${key} must be a list of at most ${MAX_CORS_ENTRIES} entries`;
    for (const entry of raw) {
      if (typeof entry !== 'string') return `${key} entries must be strings`;
      const problem = check(entry);
      if (problem) return `${key} ${JSON.stringify(entry)}: ${problem}`;
    }
    if (raw.length > 0) out[key] = [...new Set(raw as string[])];
    return undefined;
  };
  const problem =
    list('allowOrigins', (o) => (CORS_ORIGIN.test(o) ? undefined : 'must be "*" or scheme://host[:port] (the host may start with "*.")')) ??
    list('allowMethods', (m) => (m === '*' || METHOD.test(m) ? undefined : 'is not an HTTP method')) ??
    list('allowHeaders', (h) => (h === '*' ? undefined : headerNameProblem(h))) ??
    list('exposeHeaders', (h) => (h === '*' ? undefined : headerNameProblem(h)));
  if (problem) return problem;
  if (value.allowCredentials !== undefined && value.allowCredentials !== null) {
    if (typeof value.allowCredentials !== 'boolean') return 'allowCredentials must be true or false';
    if (value.allowCredentials) out.allowCredentials = true;
  }
  if (value.maxAge !== undefined && value.maxAge !== null) {
    if (typeof value.maxAge !== 'number' || !Number.isInteger(value.maxAge) || value.maxAge < 1 || value.maxAge > 2_147_483_647)
      return 'maxAge must be a positive number of seconds';
    out.maxAge = value.maxAge;
  }
  return out;
}
