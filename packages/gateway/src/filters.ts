// HTTPRoute rule filters: header modifiers, redirect and rewrite, validated into the
// model's shapes. Anything else is reported; a rule whose filters cannot be honoured
// answers 500 rather than being skipped.
import {
  headerNameProblem,
  headerValueProblem,
  isRecord,
  wirePath,
  type Filter,
  type HeaderModifier,
  type HeaderValue,
  type Match,
  type PathModifier,
} from '@kupstream/core';
import { isValidHostname } from './hostnames.js';
import { Reason } from './reasons.js';

export type FiltersOutcome =
  | { ok: true; filters: Filter[]; ignored: { message: string; field: string }[] }
  | { ok: false; reason: string; message: string; field: string; ignored: { message: string; field: string }[] };

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

export function readFilters(value: unknown, matches: readonly Match[], field: string): FiltersOutcome {
  const ignored: { message: string; field: string }[] = [];
  if (value === undefined || value === null) return { ok: true, filters: [], ignored };
  if (!Array.isArray(value)) return { ok: false, reason: Reason.UnsupportedValue, message: 'filters must be a list', field, ignored };
  const filters: Filter[] = [];
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
      case 'RequestMirror':
        // Mirroring never changes the answer the client gets, so skipping it is safe; say so.
        ignored.push({ message: 'RequestMirror is not supported by kupstream and is ignored; requests are not mirrored', field: at });
        break;
      default:
        return fail(
          `filter type ${JSON.stringify(type)} is not supported (RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect and URLRewrite are)`,
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
  return { ok: true, filters, ignored };
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
