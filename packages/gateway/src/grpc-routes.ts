// GRPCRoute: method matches (service and method, Exact or RegularExpression) become path
// matches on `/<service>/<method>`, header matches and filters read as HTTPRoute's, backends
// always reached over HTTP/2. Attachment, status and recording are the HTTPRoute ones.
import type { ResourceRef } from '@kupstream/core';
import { isRecord } from '@kupstream/core/building-blocks';
import { resolveBackendRef } from './backends.js';
import type { TranslationContext } from './context.js';
import { readFilters } from './filters.js';
import { buildEntries, listField, readRuleBackends, type RouteKindRules, type RuleState } from './http-routes.js';
import { readMatch, regexProblem, type MatchOutcome } from './matches.js';
import { Reason } from './reasons.js';

/** Filters a GRPCRoute may carry (the API's enum); redirects and rewrites are HTTP-only. */
const GRPC_FILTERS = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef']);
/** A fully-qualified proto service name (`package.Service`) and a method name, as the API validates them. */
const SERVICE = /^\.?[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$/;
const METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;

export const GRPC_ROUTE_RULES: RouteKindRules = {
  kind: 'GRPCRoute',
  hostnames: true,
  readRules: readGrpcRules,
  buildEntries: (ctx, rules, identity, gateway, _listener, policies, offered) =>
    buildEntries(ctx, rules, identity, gateway, policies, offered, { prefix: 'grpcroute', use: 'grpc' }),
};

/**
 * One GRPCRouteMatch as the model's Match: the method match as a path match on the request's
 * `:path` (`/<service>/<method>`), headers as HTTPRoute header matches.
 */
export function readGrpcMatch(value: unknown, field: string): MatchOutcome {
  if (!isRecord(value)) return { ok: false, message: 'must be an object', field };
  const path = grpcPath(value.method, `${field}.method`);
  if ('message' in path) return { ok: false, message: path.message, field: path.field };
  return readMatch({ path, headers: value.headers }, field);
}

type PathOutcome = { type: 'Exact' | 'PathPrefix' | 'RegularExpression'; value: string } | { message: string; field: string };

function grpcPath(value: unknown, field: string): PathOutcome {
  // No method match: every method of every service.
  if (value === undefined || value === null) return { type: 'PathPrefix', value: '/' };
  if (!isRecord(value)) return { message: 'method must be an object', field };
  const type = value.type ?? 'Exact';
  const service = value.service ?? undefined;
  const method = value.method ?? undefined;
  if (service !== undefined && typeof service !== 'string') return { message: 'service must be a string', field: `${field}.service` };
  if (method !== undefined && typeof method !== 'string') return { message: 'method must be a string', field: `${field}.method` };
  if (!service && !method) return { message: 'one of service and method is required', field };
  if (type === 'Exact') {
    if (service && !SERVICE.test(service))
      return { message: `service ${JSON.stringify(service)} is not a fully-qualified service name`, field: `${field}.service` };
    if (method && !METHOD.test(method))
      return { message: `method ${JSON.stringify(method)} is not a method name`, field: `${field}.method` };
    const svc = service?.replace(/^\./, '');
    if (svc && method) return { type: 'Exact', value: `/${svc}/${method}` };
    if (svc) return { type: 'PathPrefix', value: `/${svc}` };
    // Method names are word characters: nothing to escape.
    return { type: 'RegularExpression', value: `/[^/]+/${method}` };
  }
  if (type === 'RegularExpression') {
    for (const [key, source] of [
      ['service', service],
      ['method', method],
    ] as const) {
      const problem = source ? regexProblem(source) : undefined;
      if (problem)
        return { message: `${key} regular expression ${JSON.stringify(source)} is invalid: ${problem}`, field: `${field}.${key}` };
    }
    return { type: 'RegularExpression', value: `/(?:${service || '[^/]+'})/(?:${method || '[^/]+'})` };
  }
  return { message: `method.type ${JSON.stringify(type)} is not Exact or RegularExpression`, field: `${field}.type` };
}

/** The first filter of a list whose type GRPCRoute does not have (RequestRedirect, URLRewrite, CORS...). */
function foreignGrpcFilter(filters: unknown): { type: string; index: number } | undefined {
  if (!Array.isArray(filters)) return undefined;
  const index = filters.findIndex((f) => isRecord(f) && typeof f.type === 'string' && !GRPC_FILTERS.has(f.type));
  return index < 0 ? undefined : { type: String((filters[index] as { type: string }).type), index };
}

function readGrpcRules(ctx: TranslationContext, value: unknown, ref: ResourceRef): RuleState[] {
  // No rules: one rule with no backends, which answers (as HTTPRoute's default rule does).
  const listed = listField(ctx, value, ref, 'spec.rules');
  const rules = listed.length > 0 ? listed : [{}];
  return rules.map((rule, index) => {
    const field = `spec.rules[${index}]`;
    const state: RuleState = { index, matches: [], filters: [], backends: [], backendFilters: [], mirrors: [] };
    if (!isRecord(rule)) {
      const message = `rule ${index} is dropped: expected an object`;
      ctx.diagnostics.error('RouteRuleInvalid', ref, message, field);
      state.dropped = { reason: Reason.UnsupportedValue, message };
      return state;
    }
    const listedMatches = listField(ctx, rule.matches, ref, `${field}.matches`);
    const matchValues = listedMatches.length > 0 ? listedMatches : [{}];
    for (const [j, m] of matchValues.entries()) {
      const outcome = readGrpcMatch(m, `${field}.matches[${j}]`);
      if (!outcome.ok) {
        ctx.diagnostics.error('RouteMatchInvalid', ref, `rule ${index} is dropped: ${outcome.message}`, outcome.field);
        state.dropped = { reason: Reason.UnsupportedValue, message: `rule ${index}: ${outcome.message}` };
        return state;
      }
      state.matches.push(outcome.match);
    }
    const foreign = foreignGrpcFilter(rule.filters);
    const filters = foreign
      ? {
          ok: false as const,
          reason: Reason.UnsupportedValue,
          message: `filter ${JSON.stringify(foreign.type)} is not a GRPCRoute filter (${[...GRPC_FILTERS].join(', ')} are)`,
          field: `${field}.filters[${foreign.index}].type`,
          ignored: [],
        }
      : readFilters(rule.filters, state.matches, `${field}.filters`);
    for (const ignored of filters.ignored) ctx.diagnostics.warning('FilterIgnored', ref, ignored.message, ignored.field);
    if (filters.ok) {
      state.filters = filters.filters;
      for (const mirror of filters.mirrors ?? [])
        state.mirrors.push({ index: mirror.index, backend: resolveBackendRef(ctx, mirror.backendRef, ref, mirror.field) });
    } else {
      ctx.diagnostics.error('RouteFilterInvalid', ref, `rule ${index} answers with an error: ${filters.message}`, filters.field);
      state.failing = { reason: filters.reason, message: `rule ${index}: ${filters.message}` };
    }
    if (rule.sessionPersistence !== undefined && rule.sessionPersistence !== null)
      ctx.diagnostics.warning(
        'RuleFieldIgnored',
        ref,
        'sessionPersistence is not supported by kupstream and is ignored',
        `${field}.sessionPersistence`,
      );
    readRuleBackends(ctx, rule.backendRefs, state, ref, field, foreignGrpcFilter);
    return state;
  });
}
