// One HTTPRoute: hostnames, rules (matches, filters, backends), attachment to each
// parent Gateway of ours, and what the route contributes; the attachment and recording are
// shared with the other route kinds (`RouteKindRules`). The translation is recorded
// (a RouteRecord) rather than written into the shared state, so that a host-owned cache can
// replay it on the next call when neither the route nor anything it reads has changed.
import type {
  Diagnostic,
  Endpoint,
  Filter,
  KubeObject,
  Match,
  ResourceRef,
  ResourceStatus,
  Route,
  RouteRetry,
  RouteTimeouts,
  Upstream,
} from '@kupstream/core';
import { DiagnosticList, identityOf, isRecord, refOf, type Identity } from '@kupstream/core/building-blocks';
import type { HTTPRoute } from '@kupstream/gateway-api-types';
import { attachToGateway, parentRefKey, readParentRef, sameParent, type NormalizedParentRef } from './attachment.js';
import {
  resolveBackendRef,
  unavailableUpstream,
  upstreamFor,
  type BackendOutcome,
  type PolicyLookup,
  type UpstreamUse,
} from './backends.js';
import type { TranslationContext } from './context.js';
import { readFilters } from './filters.js';
import { readRetry, readTimeouts } from './rule-policies.js';
import type { GatewayState } from './gateways.js';
import type { ListenerState } from './listeners.js';
import { isValidHostname } from './hostnames.js';
import { describeGroupKind } from './object-reference.js';
import { DEFAULT_MATCH, readMatch } from './matches.js';
import type { RankedRoute } from './precedence.js';
import { ConditionType, GATEWAY_GROUP, Reason } from './reasons.js';
import { findStatusEntry, resourceStatus, statusField, toCondition, type ConditionSpec } from './status.js';

/** Rule fields the model cannot carry; reported, never silently dropped. */
const IGNORED_RULE_FIELDS = ['sessionPersistence'] as const;

export interface RuleState {
  index: number;
  matches: Match[];
  filters: Filter[];
  backends: BackendOutcome[];
  /** Filters of each backendRef (same index as `backends`). */
  backendFilters: (Filter[] | undefined)[];
  /** RequestMirror filters of `filters`, by index, with their backendRef resolved. */
  mirrors: { index: number; backend: BackendOutcome }[];
  timeouts?: RouteTimeouts;
  retry?: RouteRetry;
  /** Matches are invalid: the rule is dropped. */
  dropped?: { reason: string; message: string };
  /** Filters cannot be honoured: the rule answers 500. */
  failing?: { reason: string; message: string };
}

export type RouteEntry = { route: Route; rank: RankedRoute };

/** A contribution as recorded: by Gateway key and listener index, not by per-call state. */
export interface RecordedContribution {
  gatewayKey: string;
  listenerIndex: number;
  hostname: string;
  source: ResourceRef;
  entries: RouteEntry[];
  key: string;
  endpoint?: Endpoint;
}

/** Everything one route adds to a translation, by Gateway key and listener index (not by per-call state). */
export interface RouteRecord {
  /** This route's diagnostics, in the order they were found, without exact repeats. */
  diagnostics: Diagnostic[];
  /** `diagnosticKey` of each: routes repeat the same warnings (a shared Service), dropped when applied. */
  diagnosticKeys: string[];
  /** Listeners the route is attached to (counted in attachedRoutes). */
  attachments: { gatewayKey: string; listenerIndex: number }[];
  contributions: RecordedContribution[];
  /** Upstreams of the routes that do not answer 500, in the order they are offered (first name wins). */
  upstreams: Upstream[];
  /** Service ports reached through a Gateway, for BackendTLSPolicy ancestors. */
  ancestors: { namespace: string; name: string; portName: string | undefined; gatewayKey: string }[];
  /** Status parents before they are stamped with the time; undefined when no parent is ours. */
  parents?: StatusParent[];
}

export interface StatusParent {
  parent: NormalizedParentRef;
  conditions: { type: string; spec: ConditionSpec }[];
}

export interface GatewayLookup {
  /** Any Gateway by ns/name, ours or not. */
  exists(namespace: string, name: string): boolean;
  /** Ours only. */
  ours(namespace: string, name: string): GatewayState | undefined;
}

/** What differs between route kinds; attachment, status and recording are shared. */
export interface RouteKindRules {
  kind: string;
  /** The kind has `spec.hostnames` (TCPRoute has none: it is served on the whole listener port). */
  hostnames: boolean;
  readRules(ctx: TranslationContext, value: unknown, ref: ResourceRef): RuleState[];
  /** The model routes of the rules as served through one listener of one Gateway. */
  buildEntries(
    ctx: TranslationContext,
    rules: RuleState[],
    identity: Identity,
    gateway: GatewayState,
    listener: ListenerState,
    policies: PolicyLookup,
    offered: Upstream[],
  ): RouteEntry[];
  /** Listeners of one Gateway with equal variants share entries (built once); default: all do. */
  listenerVariant?(listener: ListenerState): string;
}

const HTTP_ROUTE_RULES: RouteKindRules = {
  kind: 'HTTPRoute',
  hostnames: true,
  readRules: (ctx, value, ref) => readRules(ctx, value, ref),
  buildEntries: (ctx, rules, identity, gateway, _listener, policies, offered) =>
    buildEntries(ctx, rules, identity, gateway, policies, offered),
};

export function translateHttpRoute(
  shared: TranslationContext,
  route: HTTPRoute,
  gateways: GatewayLookup,
  policies: Pick<PolicyLookup, 'policyFor'>,
): RouteRecord {
  return translateRoute(shared, route, HTTP_ROUTE_RULES, gateways, policies);
}

/** Translates one route of any kind into its record. */
export function translateRoute(
  shared: TranslationContext,
  route: KubeObject,
  rules: RouteKindRules,
  gateways: GatewayLookup,
  policies: Pick<PolicyLookup, 'policyFor'>,
): RouteRecord {
  const ctx: TranslationContext = { ...shared, diagnostics: new DiagnosticList() };
  const record: RouteRecord = { diagnostics: [], diagnosticKeys: [], attachments: [], contributions: [], upstreams: [], ancestors: [] };
  record.parents = recordRoute(ctx, record, route, rules, gateways, policies);
  // Repeats are no-ops when applied (the result drops exact duplicate diagnostics, upstreams
  // go by first name, ancestors are a set): leave them out once, not on every replay.
  const keys = new Set<string>();
  for (const diagnostic of ctx.diagnostics.items) {
    // Shared warnings (one per Service port and Gateway) are one object: keyed once per translation.
    let key = ctx.memo.diagnosticKeys.get(diagnostic);
    if (key === undefined) ctx.memo.diagnosticKeys.set(diagnostic, (key = diagnosticKey(diagnostic)));
    if (keys.has(key)) continue;
    keys.add(key);
    record.diagnostics.push(diagnostic);
    record.diagnosticKeys.push(key);
  }
  const names = new Set<string>();
  record.upstreams = record.upstreams.filter((u) => !names.has(u.name) && names.add(u.name));
  const ancestors = new Set<string>();
  record.ancestors = record.ancestors.filter((a) => {
    const key = `${a.namespace}\n${a.name}\n${a.portName ?? ''}\n${a.gatewayKey}`;
    return !ancestors.has(key) && ancestors.add(key);
  });
  return record;
}

/**
 * Identity of a diagnostic as the result's deduplication sees it (equal keys compare equal
 * under compareDiagnostics with the same severity), so dropping a repeat early changes nothing.
 */
export function diagnosticKey(d: Diagnostic): string {
  const r = d.resource;
  return `${d.severity}\n${d.code}\n${r.kind}\n${r.namespace ?? ''}\n${r.name}\n${r.section ?? ''}\n${d.field ?? ''}\n${d.message}`;
}

function recordRoute(
  ctx: TranslationContext,
  record: RouteRecord,
  route: KubeObject,
  kind: RouteKindRules,
  gateways: GatewayLookup,
  policies: Pick<PolicyLookup, 'policyFor'>,
): StatusParent[] | undefined {
  const identity = identityOf(route, ctx.options.defaultNamespace);
  const ref = refOf(kind.kind, route, ctx.options.defaultNamespace);
  const spec = isRecord(route) && isRecord(route.spec) ? route.spec : {};

  // Parents first: a route none of whose parents is ours is left alone.
  const parents: { parent: NormalizedParentRef; gateway: GatewayState }[] = [];
  const seen = new Set<string>();
  const parentRefs = listField(ctx, spec.parentRefs, ref, 'spec.parentRefs');
  parentRefs.forEach((value, i) => {
    const parent = readParentRef(value, identity.namespace);
    if (!parent) {
      ctx.diagnostics.error('ParentRefInvalid', ref, 'parentRef needs a name', `spec.parentRefs[${i}]`);
      return;
    }
    if (parent.group !== GATEWAY_GROUP || parent.kind !== 'Gateway') {
      ctx.diagnostics.info(
        'ParentRefNotGateway',
        ref,
        `parentRef ${describeGroupKind(parent)} ${parent.name} is not a Gateway; not handled here`,
        `spec.parentRefs[${i}]`,
      );
      return;
    }
    const gateway = gateways.ours(parent.namespace, parent.name);
    if (!gateway) {
      if (!gateways.exists(parent.namespace, parent.name)) {
        ctx.diagnostics.warning(
          'ParentRefNotFound',
          ref,
          `Gateway ${parent.namespace}/${parent.name} does not exist`,
          `spec.parentRefs[${i}]`,
        );
      }
      return;
    }
    const key = parentRefKey(parent);
    if (seen.has(key)) return;
    seen.add(key);
    parents.push({ parent, gateway });
  });
  if (parents.length === 0) {
    if (parentRefs.length === 0)
      ctx.diagnostics.warning('RouteNoParents', ref, 'spec.parentRefs is empty: the route attaches to nothing', 'spec.parentRefs');
    else
      ctx.diagnostics.info(
        'RouteNotHandled',
        ref,
        `no parentRef names a Gateway handled by ${ctx.options.controllerName}; no status written`,
        'spec.parentRefs',
      );
    return undefined;
  }

  const hostnames = kind.hostnames ? readHostnames(ctx, spec.hostnames, ref) : { list: undefined, allInvalid: false };
  const rules = kind.readRules(ctx, spec.rules, ref);
  const droppedCount = rules.filter((r) => r.dropped || r.failing).length;
  const firstInvalid = rules.find((r) => r.dropped || r.failing);
  const invalidRule = firstInvalid?.dropped ?? firstInvalid?.failing;
  const allInvalid = rules.length > 0 && droppedCount === rules.length;
  const brokenBackend = rules
    .flatMap((r) => [...r.backends, ...r.mirrors.map((m) => m.backend)])
    .find((b): b is Extract<BackendOutcome, { ok: false }> => !b.ok);
  const resolvedRefs: ConditionSpec = brokenBackend
    ? { status: false, reason: brokenBackend.reason, message: brokenBackend.message }
    : { status: true, reason: Reason.ResolvedRefs, message: '' };

  // Policy lookups go to the index; ancestor notes are recorded, to be applied per call.
  const recording: PolicyLookup = {
    policyFor: (namespace, name, portName) => policies.policyFor(namespace, name, portName),
    noteAncestor: (namespace, name, portName, gatewayKey) => void record.ancestors.push({ namespace, name, portName, gatewayKey }),
  };
  const entriesByGateway = new Map<string, RouteEntry[]>();
  return parents.map(({ parent, gateway }) => {
    let accepted: ConditionSpec;
    let attachment: ReturnType<typeof attachToGateway> | undefined;
    if (hostnames.allInvalid) accepted = { status: false, reason: Reason.UnsupportedValue, message: 'no valid hostname in spec.hostnames' };
    else {
      attachment = attachToGateway(
        ctx,
        parent,
        gateway.identity.namespace,
        gateway.listeners,
        identity.namespace,
        hostnames.list,
        kind.kind,
      );
      accepted = attachment.accepted;
      if (accepted.status && allInvalid && invalidRule)
        accepted = { status: false, reason: invalidRule.reason, message: invalidRule.message };
    }
    if (accepted.status && attachment) {
      for (const { listener, hostnames: served } of attachment.listeners) {
        record.attachments.push({ gatewayKey: gateway.key, listenerIndex: listener.index });
        if (gateway.invalid) continue;
        const entriesKey = `${gateway.key}\n${kind.listenerVariant?.(listener) ?? ''}`;
        let entries = entriesByGateway.get(entriesKey);
        if (!entries)
          entriesByGateway.set(
            entriesKey,
            (entries = kind.buildEntries(ctx, rules, identity, gateway, listener, recording, record.upstreams)),
          );
        for (const hostname of served)
          record.contributions.push({
            gatewayKey: gateway.key,
            listenerIndex: listener.index,
            hostname,
            source: ref,
            entries,
            key: `${gateway.key}\n${listener.index}\n${hostname}`,
          });
      }
    } else if (!accepted.status) {
      ctx.diagnostics.warning(
        'RouteNotAccepted',
        ref,
        `not attached to Gateway ${parent.namespace}/${parent.name}: ${accepted.message}`,
        'spec.parentRefs',
      );
    }
    const conditions: StatusParent['conditions'] = [
      { type: ConditionType.Accepted, spec: accepted },
      { type: ConditionType.ResolvedRefs, spec: resolvedRefs },
    ];
    if (accepted.status && droppedCount > 0 && invalidRule) {
      conditions.push({
        type: ConditionType.PartiallyInvalid,
        spec: {
          status: true,
          reason: Reason.UnsupportedValue,
          message: `${droppedCount} of ${rules.length} rules are invalid: ${invalidRule.message}`,
        },
      });
    }
    return { parent, conditions };
  });
}

/** The route's status from its record, stamped with this translation's time and generation. */
export function httpRouteStatus(
  ctx: TranslationContext,
  route: KubeObject,
  parents: readonly StatusParent[],
  kind = 'HTTPRoute',
): ResourceStatus {
  const identity = identityOf(route, ctx.options.defaultNamespace);
  const stamp = { generation: identity.generation, time: ctx.options.transitionTime };
  const statusParents = parents.map(({ parent, conditions }) => {
    const previous = findStatusEntry(
      statusField(route, 'parents'),
      (e) => e.controllerName === ctx.options.controllerName && sameParent(readParentRef(e.parentRef, identity.namespace), parent),
    );
    const parentStamp = { ...stamp, previous: previous?.conditions };
    return {
      parentRef: { ...parent },
      controllerName: ctx.options.controllerName,
      conditions: conditions.map((c) => toCondition(c.type, c.spec, parentStamp)),
    };
  });
  return resourceStatus(route, kind, identity.namespace, identity.name, { parents: statusParents });
}

export function readHostnames(ctx: TranslationContext, value: unknown, ref: ResourceRef): { list: string[]; allInvalid: boolean } {
  if (value === undefined || value === null) return { list: [], allInvalid: false };
  if (!Array.isArray(value)) {
    ctx.diagnostics.error('RouteHostnameInvalid', ref, 'spec.hostnames must be a list', 'spec.hostnames');
    return { list: [], allInvalid: true };
  }
  const list: string[] = [];
  value.forEach((hostname, i) => {
    if (typeof hostname === 'string' && isValidHostname(hostname)) list.push(hostname);
    else
      ctx.diagnostics.error(
        'RouteHostnameInvalid',
        ref,
        `hostname ${JSON.stringify(hostname)} is not a valid DNS name; ignored`,
        `spec.hostnames[${i}]`,
      );
  });
  return { list, allInvalid: value.length > 0 && list.length === 0 };
}

function readRules(ctx: TranslationContext, value: unknown, ref: ResourceRef): RuleState[] {
  // No rules at all: one default rule with no backends, which answers 500 (HTTPRoute defaulting).
  const listed = listField(ctx, value, ref, 'spec.rules');
  const rules = listed.length > 0 ? listed : [{}];
  return rules.map((rule, index) => {
    const field = `spec.rules[${index}]`;
    const state: RuleState = { index, matches: [], filters: [], backends: [], backendFilters: [], mirrors: [] };
    if (!isRecord(rule)) {
      // Not a rule at all: dropping it is safer than defaulting it to a catch-all that answers 500.
      const message = `rule ${index} is dropped: expected an object, got ${rule === null ? 'null' : Array.isArray(rule) ? 'a list' : typeof rule}`;
      ctx.diagnostics.error('RouteRuleInvalid', ref, message, field);
      state.dropped = { reason: Reason.UnsupportedValue, message };
      return state;
    }
    const raw = rule;
    const listedMatches = listField(ctx, raw.matches, ref, `${field}.matches`);
    const matchValues = listedMatches.length > 0 ? listedMatches : [DEFAULT_MATCH];
    for (const [j, m] of matchValues.entries()) {
      const outcome = readMatch(m, `${field}.matches[${j}]`);
      if (!outcome.ok) {
        ctx.diagnostics.error('RouteMatchInvalid', ref, `rule ${index} is dropped: ${outcome.message}`, outcome.field);
        state.dropped = { reason: Reason.UnsupportedValue, message: `rule ${index}: ${outcome.message}` };
        return state;
      }
      state.matches.push(outcome.match);
    }
    const filters = readFilters(raw.filters, state.matches, `${field}.filters`);
    for (const ignored of filters.ignored) ctx.diagnostics.warning('FilterIgnored', ref, ignored.message, ignored.field);
    if (filters.ok) {
      state.filters = filters.filters;
      for (const mirror of filters.mirrors ?? [])
        state.mirrors.push({ index: mirror.index, backend: resolveBackendRef(ctx, mirror.backendRef, ref, mirror.field) });
    } else {
      ctx.diagnostics.error('RouteFilterInvalid', ref, `rule ${index} answers 500: ${filters.message}`, filters.field);
      state.failing = { reason: filters.reason, message: `rule ${index}: ${filters.message}` };
    }
    for (const [key, outcome] of [
      ['timeouts', readTimeouts(raw.timeouts, `${field}.timeouts`)],
      ['retry', readRetry(raw.retry, `${field}.retry`)],
    ] as const) {
      if (outcome.ok) {
        if (outcome.value && key === 'timeouts') state.timeouts = outcome.value as RouteTimeouts;
        if (outcome.value && key === 'retry') state.retry = outcome.value as RouteRetry;
      } else if (!state.failing) {
        ctx.diagnostics.error('RouteRuleInvalid', ref, `rule ${index} answers 500: ${outcome.message}`, outcome.field);
        state.failing = { reason: Reason.UnsupportedValue, message: `rule ${index}: ${outcome.message}` };
      }
    }
    for (const key of IGNORED_RULE_FIELDS) {
      if (raw[key] !== undefined && raw[key] !== null)
        ctx.diagnostics.warning('RuleFieldIgnored', ref, `${key} is not supported by kupstream and is ignored`, `${field}.${key}`);
    }
    readRuleBackends(ctx, raw.backendRefs, state, ref, field);
    return state;
  });
}

/**
 * A rule's backendRefs and each one's own filters (header modifiers; RequestMirror and CORS
 * belong on the rule). `foreignFilter` names a filter type the route kind does not have.
 */
export function readRuleBackends(
  ctx: TranslationContext,
  value: unknown,
  state: RuleState,
  ref: ResourceRef,
  field: string,
  foreignFilter: (filters: unknown) => { type: string; index: number } | undefined = () => undefined,
): void {
  const index = state.index;
  listField(ctx, value, ref, `${field}.backendRefs`).forEach((backendRef, k) => {
    const at = `${field}.backendRefs[${k}]`;
    let own: Filter[] | undefined;
    if (isRecord(backendRef) && backendRef.filters !== undefined && backendRef.filters !== null) {
      const foreign = foreignFilter(backendRef.filters);
      const read = readFilters(backendRef.filters, state.matches, `${at}.filters`);
      for (const ignored of read.ignored) ctx.diagnostics.warning('FilterIgnored', ref, ignored.message, ignored.field);
      const problem = foreign
        ? {
            message: `filter ${JSON.stringify(foreign.type)} is not a ${ref.kind} filter`,
            field: `${at}.filters[${foreign.index}].type`,
            reason: Reason.UnsupportedValue,
          }
        : !read.ok
          ? { message: read.message, field: read.field, reason: read.reason }
          : read.mirrors || read.filters.some((f) => f.type === 'CORS')
            ? {
                message: 'RequestMirror and CORS belong on the rule, not on a backendRef',
                field: `${at}.filters`,
                reason: Reason.UnsupportedValue,
              }
            : undefined;
      if (problem && !state.failing) {
        ctx.diagnostics.error('RouteFilterInvalid', ref, `rule ${index} answers 500: ${problem.message}`, problem.field);
        state.failing = { reason: problem.reason, message: `rule ${index}: ${problem.message}` };
      } else if (read.ok && read.filters.length > 0) own = read.filters;
    }
    state.backendFilters.push(own);
    state.backends.push(resolveBackendRef(ctx, backendRef, ref, at));
  });
}

/** How an HTTP-like kind names its model routes and uses its upstreams. */
export interface HttpEntryShape {
  /** Route name prefix: `httproute`, `grpcroute`. */
  prefix: string;
  use: UpstreamUse;
}

const HTTP_SHAPE: HttpEntryShape = { prefix: 'httproute', use: 'http' };

export function buildEntries(
  ctx: TranslationContext,
  rules: RuleState[],
  identity: Identity,
  gateway: GatewayState,
  policies: PolicyLookup,
  offered: Upstream[],
  shape: HttpEntryShape = HTTP_SHAPE,
): RouteEntry[] {
  const entries: RouteEntry[] = [];
  for (const rule of rules) {
    if (rule.dropped) continue;
    const candidates: Upstream[] = [];
    const backends: Route['backends'] = [];
    // Weight of backends that name a real Service port (an upstream missing TLS material
    // still counts: it is shown, and the agent refuses to dial it).
    let resolvedWeight = 0;
    const upstreamInputs = {
      policies,
      gatewayKey: gateway.key,
      use: shape.use,
      ...(gateway.clientCertificate.certificate ? { clientCertificate: gateway.clientCertificate.certificate } : {}),
    };
    if (!rule.failing) {
      for (const [k, backend] of rule.backends.entries()) {
        if (backend.weight === 0) continue;
        let upstream: Upstream | undefined;
        if (backend.ok) {
          upstream = upstreamFor(ctx, backend, upstreamInputs);
          resolvedWeight += backend.weight;
        } else if (backend.target) {
          upstream = unavailableUpstream(ctx, { ...backend, target: backend.target });
        }
        if (!upstream) continue;
        candidates.push(upstream);
        const own = rule.backendFilters[k];
        backends.push({ upstream: upstream.name, weight: backend.weight, ...(own ? { filters: own } : {}) });
      }
    }
    // A mirror whose backendRef does not resolve is not configured (ResolvedRefs says why).
    const mirrorUpstreams = new Map<number, Upstream>();
    for (const { index, backend } of rule.failing ? [] : rule.mirrors)
      if (backend.ok) mirrorUpstreams.set(index, upstreamFor(ctx, backend, upstreamInputs));
    const filters = rule.filters.flatMap((filter, i): Filter[] => {
      if (filter.type !== 'RequestMirror') return [filter];
      const upstream = mirrorUpstreams.get(i);
      return upstream ? [{ type: 'RequestMirror', requestMirror: { ...filter.requestMirror, upstream: upstream.name } }] : [];
    });
    const redirects = rule.filters.some((f) => f.type === 'RequestRedirect');
    const answers500 = rule.failing !== undefined || (!redirects && resolvedWeight === 0);
    if (!answers500) {
      for (const candidate of candidates) offered.push(candidate);
      for (const mirror of mirrorUpstreams.values()) offered.push(mirror);
    }
    rule.matches.forEach((match, matchIndex) => {
      const route: Route = {
        name: `${shape.prefix}/${identity.namespace}/${identity.name}/rule/${rule.index}/match/${matchIndex}`,
        matches: [match],
        ...(filters.length > 0 && !rule.failing ? { filters } : {}),
        backends: answers500 ? [] : backends,
        ...(answers500 ? { response: { status: 500 } } : {}),
        ...(rule.timeouts && !answers500 ? { timeouts: rule.timeouts } : {}),
        ...(rule.retry && !answers500 ? { retry: rule.retry } : {}),
      };
      entries.push({ route, rank: { match, route: identity, ruleIndex: rule.index, matchIndex } });
    });
  }
  return entries;
}

/** A list field; anything else but absence is reported and read as empty. */
export function listField(ctx: TranslationContext, value: unknown, ref: ResourceRef, field: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (value !== undefined && value !== null) ctx.diagnostics.error('FieldNotAList', ref, `${field} must be a list; it is ignored`, field);
  return [];
}
