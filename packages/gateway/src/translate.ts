// The pure translation: snapshot in, model + statuses + diagnostics out. One pass; a
// host-owned cache (see translator.ts) may supply earlier work that is still valid.
import { CertificateCache, compareStrings, createTranslationResult, identityOf, type ClusterSnapshot, type Identity, type ResourceStatus, type TranslationResult, type Upstream } from '@kupstream/core';
import type { Gateway, HTTPRoute } from '@kupstream/gateway-api-types';
import { BackendTlsPolicyIndex } from './backend-tls-policy.js';
import { canonicalObjects } from './canonical-order.js';
import { buildIndexes, createContext, type SnapshotIndexes, type TranslationContext } from './context.js';
import { buildEndpoints } from './endpoints.js';
import { selectGatewayClasses } from './gateway-classes.js';
import { buildGateway, gatewayStatus, type GatewayState } from './gateways.js';
import { httpRouteStatus, translateHttpRoute, type GatewayLookup, type RouteContribution, type RouteRecord } from './http-routes.js';
import { backendTlsPolicyStatus } from './policy-status.js';
import { resolveGatewayOptions, type GatewayTranslateOptions, type ResolvedGatewayOptions } from './options.js';

export function translateGatewayApi(snapshot: ClusterSnapshot, options: GatewayTranslateOptions = {}): TranslationResult {
  // A per-call certificate cache: material repeated in the snapshot is parsed once.
  return runTranslation(snapshot, resolveGatewayOptions(options), new CertificateCache());
}

/** What a cache supplies to one translation; every answer must equal what the pass would compute. */
export interface TranslationReuse {
  /** The snapshot's indexes (reused while the objects they index are unchanged). */
  indexes(snapshot: ClusterSnapshot, build: () => SnapshotIndexes): SnapshotIndexes;
  /** Called once the Gateways are built: routes recorded against other Gateway states are stale. */
  gatewaysBuilt(gateways: ReadonlyMap<string, GatewayState>, existing: ReadonlySet<string>): void;
  /** The routes in translation order, sorted by `sort` unless the kept order still holds. */
  routeOrder(list: unknown, sort: () => SortedRoutes): SortedRoutes;
  /** The route's record, translated by `translate` unless a valid one is kept. */
  route(route: HTTPRoute, translate: () => RouteRecord): RouteRecord;
  /** The route's status, stamped by `stamp` unless one stamped at the same time is kept. */
  routeStatus(route: HTTPRoute, stamp: () => ResourceStatus): ResourceStatus;
}

export function runTranslation(snapshot: ClusterSnapshot, options: ResolvedGatewayOptions, certificates: CertificateCache, reuse?: TranslationReuse): TranslationResult {
  const input = isObject(snapshot) ? snapshot : {};
  const ns = options.defaultNamespace;
  const build = () => buildIndexes(input, ns);
  const ctx = createContext(reuse ? reuse.indexes(input, build) : build(), options, certificates);
  const classes = selectGatewayClasses(ctx, canonicalObjects(input.gatewayClasses, ns));
  const statuses: ResourceStatus[] = [...classes.statuses];

  const allGateways = canonicalObjects<Gateway>(input.gateways, ns);
  const existing = new Set<string>();
  const ours = new Map<string, GatewayState>();
  for (const gateway of sortByAge(allGateways, ns)) {
    const { namespace, name } = identityOf(gateway, ns);
    const key = `${namespace}/${name}`;
    if (!name) {
      ctx.diagnostics.error('ObjectNameMissing', { kind: 'Gateway', namespace, name }, 'metadata.name is required; the Gateway is skipped', 'metadata.name');
      continue;
    }
    if (existing.has(key)) {
      ctx.diagnostics.error('DuplicateObject', { kind: 'Gateway', namespace, name }, 'the input holds this Gateway more than once; the oldest is used');
      continue;
    }
    existing.add(key);
    const className = typeof gateway.spec?.gatewayClassName === 'string' ? gateway.spec.gatewayClassName : '';
    const ref = { kind: 'Gateway', namespace, name };
    if (!className) {
      ctx.diagnostics.error('GatewayClassMissing', ref, 'spec.gatewayClassName is required', 'spec.gatewayClassName');
      continue;
    }
    if (!classes.isOurs(className)) {
      ctx.diagnostics.info('GatewayNotOurs', ref, `GatewayClass "${className}" is not handled by ${ctx.options.controllerName}`, 'spec.gatewayClassName');
      continue;
    }
    if (classes.assumed) {
      ctx.diagnostics.info('GatewayClassAssumed', ref, `no GatewayClass objects in the input: class "${className}" is taken as this controller's`, 'spec.gatewayClassName');
    }
    ours.set(key, buildGateway(ctx, gateway));
  }
  reuse?.gatewaysBuilt(ours, existing);

  const policies = new BackendTlsPolicyIndex(ctx, canonicalObjects(input.backendTLSPolicies, ns));
  const upstreams = new Map<string, Upstream>();
  const contributions: RouteContribution[] = [];
  const lookup: GatewayLookup = { exists: (n, name) => existing.has(`${n}/${name}`), ours: (n, name) => ours.get(`${n}/${name}`) };
  const seenRoutes = new Set<string>();
  // Route diagnostics repeated across routes are exact duplicates, which the result drops anyway.
  const seenDiagnostics = new Set<string>();
  const sort = () => sortRoutes(input.httpRoutes, ns);
  const sortedRoutes = reuse ? reuse.routeOrder(input.httpRoutes, sort) : sort();
  for (const { object: route, identity, key: routeKey } of sortedRoutes.entries) {
    const { namespace, name } = identity;
    if (!name) {
      ctx.diagnostics.error('ObjectNameMissing', { kind: 'HTTPRoute', namespace, name }, 'metadata.name is required; the HTTPRoute is skipped', 'metadata.name');
      continue;
    }
    if (seenRoutes.has(routeKey)) {
      ctx.diagnostics.error('DuplicateObject', { kind: 'HTTPRoute', namespace, name }, 'the input holds this HTTPRoute more than once; the oldest is used');
      continue;
    }
    seenRoutes.add(routeKey);
    const translate = () => translateHttpRoute(ctx, route, lookup, policies);
    const record = reuse ? reuse.route(route, translate) : translate();
    applyRouteRecord(ctx, record, routeKey, ours, policies, upstreams, contributions, seenDiagnostics);
    const parents = record.parents;
    if (parents) {
      const stamp = () => httpRouteStatus(ctx, route, parents);
      statuses.push(reuse ? reuse.routeStatus(route, stamp) : stamp());
    }
  }

  const endpoints = buildEndpoints(ctx, contributions);
  // Only upstreams some served endpoint routes to (not those of unprogrammed listeners or lost URLs).
  const used = new Set<string>();
  for (const endpoint of endpoints) for (const route of endpoint.routes) for (const backend of route.backends) used.add(backend.upstream);
  for (const gateway of ours.values()) statuses.push(gatewayStatus(ctx, gateway));
  for (const policy of policies.policies) {
    const status = backendTlsPolicyStatus(ctx, policy, ours);
    if (status) statuses.push(status);
  }
  return createTranslationResult({ endpoints, upstreams: [...upstreams.values()].filter((u) => used.has(u.name)), statuses, diagnostics: ctx.diagnostics.items }, ctx.credentials);
}

/** Writes one route's record into this translation's state, in the order the route found it. */
function applyRouteRecord(
  ctx: TranslationContext,
  record: RouteRecord,
  routeKey: string,
  ours: ReadonlyMap<string, GatewayState>,
  policies: BackendTlsPolicyIndex,
  upstreams: Map<string, Upstream>,
  contributions: RouteContribution[],
  seenDiagnostics: Set<string>,
): void {
  for (let i = 0; i < record.diagnostics.length; i++) {
    const key = record.diagnosticKeys[i]!;
    if (seenDiagnostics.has(key)) continue;
    seenDiagnostics.add(key);
    ctx.diagnostics.items.push(record.diagnostics[i]!);
  }
  for (const { gatewayKey, listenerIndex } of record.attachments) {
    const attached = ours.get(gatewayKey)!.attached;
    let set = attached.get(listenerIndex);
    if (!set) attached.set(listenerIndex, (set = new Set()));
    set.add(routeKey);
  }
  for (const a of record.ancestors) policies.noteAncestor(a.namespace, a.name, a.portName, a.gatewayKey);
  for (const upstream of record.upstreams) if (!upstreams.has(upstream.name)) upstreams.set(upstream.name, upstream);
  for (const c of record.contributions) {
    const gateway = ours.get(c.gatewayKey)!;
    contributions.push({ gateway, listener: gateway.listeners[c.listenerIndex]!, hostname: c.hostname, source: c.source, entries: c.entries, key: c.key, memo: c });
  }
}

export interface SortedRoutes {
  /** `key` is `namespace/name`, computed once with the order. */
  entries: { object: HTTPRoute; identity: Identity; key: string }[];
  /** No two routes share namespace/name: then the order depends only on (creationTimestamp, namespace, name). */
  unique: boolean;
}

function sortRoutes(list: unknown, ns: string): SortedRoutes {
  const entries = sortEntriesByAge(canonicalObjects<HTTPRoute>(Array.isArray(list) ? list : undefined, ns), ns).map((e) => ({ ...e, key: `${e.identity.namespace}/${e.identity.name}` }));
  const keys = new Set(entries.map((e) => e.key));
  return { entries, unique: keys.size === entries.length };
}

function sortByAge<T>(objects: T[], ns: string): T[] {
  return sortEntriesByAge(objects, ns).map((e) => e.object);
}

/** `compareByAge` order, with each timestamp parsed once rather than once per comparison. */
function sortEntriesByAge<T>(objects: T[], ns: string): { object: T; identity: Identity }[] {
  return objects
    .map((object) => {
      const identity = identityOf(object, ns);
      const time = Date.parse(identity.creationTimestamp);
      return { object, identity, time: Number.isNaN(time) ? Number.POSITIVE_INFINITY : time };
    })
    .sort((a, b) => (a.time !== b.time ? (a.time < b.time ? -1 : 1) : compareStrings(a.identity.namespace, b.identity.namespace) || compareStrings(a.identity.name, b.identity.name)));
}

function isObject(value: unknown): value is ClusterSnapshot {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
