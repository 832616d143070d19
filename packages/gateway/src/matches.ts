// HTTPRoute matches: defaults (PathPrefix "/"), validation, regexes kept as regexes.
import type { HeaderMatch, Match, QueryParamMatch, ValueMatchType } from '@kupstream/core';
import { isRecord } from '@kupstream/core/building-blocks';

export const DEFAULT_MATCH: Match = { path: { type: 'PathPrefix', value: '/' } };
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

export type MatchOutcome = { ok: true; match: Match } | { ok: false; message: string; field: string };

/** Validates one HTTPRouteMatch; `field` is its path, e.g. `spec.rules[0].matches[1]`. */
export function readMatch(value: unknown, field: string): MatchOutcome {
  if (!isRecord(value)) return { ok: false, message: 'must be an object', field };
  const match: Match = {};
  const path = value.path ?? { type: 'PathPrefix', value: '/' };
  if (!isRecord(path)) return { ok: false, message: 'path must be an object', field: `${field}.path` };
  const type = path.type ?? 'PathPrefix';
  const pathValue = path.value ?? '/';
  if (typeof pathValue !== 'string') return { ok: false, message: 'path.value must be a string', field: `${field}.path.value` };
  if (type === 'Exact' || type === 'PathPrefix') {
    if (!pathValue.startsWith('/'))
      return { ok: false, message: `path ${JSON.stringify(pathValue)} must start with "/"`, field: `${field}.path.value` };
    if (/\/\/|\/\.\.?(\/|$)|[?#]/.test(pathValue))
      return {
        ok: false,
        message: `path ${JSON.stringify(pathValue)} may not contain "//", "/./", "/../", "?" or "#"`,
        field: `${field}.path.value`,
      };
  } else if (type === 'RegularExpression') {
    const problem = regexProblem(pathValue);
    if (problem)
      return {
        ok: false,
        message: `path regular expression ${JSON.stringify(pathValue)} is invalid: ${problem}`,
        field: `${field}.path.value`,
      };
  } else {
    return {
      ok: false,
      message: `path.type ${JSON.stringify(type)} is not Exact, PathPrefix or RegularExpression`,
      field: `${field}.path.type`,
    };
  }
  match.path = { type, value: pathValue };

  const headers = readValueMatches(value.headers, `${field}.headers`, (name) => name.toLowerCase(), true);
  if (!headers.ok) return headers;
  if (headers.list.length > 0) match.headers = headers.list;
  const queryParams = readValueMatches(value.queryParams, `${field}.queryParams`, (name) => name, false);
  if (!queryParams.ok) return queryParams;
  if (queryParams.list.length > 0) match.queryParams = queryParams.list;

  if (value.method !== undefined) {
    if (typeof value.method !== 'string' || !METHODS.has(value.method))
      return { ok: false, message: `method ${JSON.stringify(value.method)} is not an HTTP method`, field: `${field}.method` };
    match.method = value.method;
  }
  return { ok: true, match };
}

type ValueMatches = { ok: true; list: (HeaderMatch | QueryParamMatch)[] } | { ok: false; message: string; field: string };

/** Header / query param matches; a repeated name keeps its first entry, as the spec says. */
function readValueMatches(value: unknown, field: string, fold: (name: string) => string, header: boolean): ValueMatches {
  if (value === undefined || value === null) return { ok: true, list: [] };
  if (!Array.isArray(value)) return { ok: false, message: 'must be a list', field };
  const list: (HeaderMatch | QueryParamMatch)[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of value.entries()) {
    const at = `${field}[${i}]`;
    if (!isRecord(entry) || typeof entry.name !== 'string' || entry.name === '')
      return { ok: false, message: 'name is required', field: `${at}.name` };
    if (header && !HEADER_NAME.test(entry.name))
      return { ok: false, message: `${JSON.stringify(entry.name)} is not a valid header name`, field: `${at}.name` };
    if (typeof entry.value !== 'string') return { ok: false, message: 'value must be a string', field: `${at}.value` };
    const type = entry.type ?? 'Exact';
    if (type !== 'Exact' && type !== 'RegularExpression')
      return { ok: false, message: `type ${JSON.stringify(type)} is not Exact or RegularExpression`, field: `${at}.type` };
    if (type === 'RegularExpression') {
      const problem = regexProblem(entry.value);
      if (problem)
        return { ok: false, message: `regular expression ${JSON.stringify(entry.value)} is invalid: ${problem}`, field: `${at}.value` };
    }
    const key = fold(entry.name);
    if (seen.has(key)) continue;
    seen.add(key);
    list.push({ name: entry.name, type: type as ValueMatchType, value: entry.value });
  }
  return { ok: true, list };
}

/** Undefined when the expression compiles as a JavaScript RegExp (what the agent runs); else why not. */
export function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
