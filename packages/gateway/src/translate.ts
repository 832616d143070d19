// The pure translation: snapshot in, model + statuses + diagnostics out. One pass, which
// asks a reuse strategy for each piece of work: the default builds everything; the
// incremental translator (incremental/) supplies earlier work that is still valid.
import type {
  CredentialStore,
  ClusterSnapshot,
  Diagnostic,
  KubeObject,
  ResourceStatus,
  TranslationModel,
  TranslationResult,
  Upstream,
} from '@kupstream/core';
import {
  CertificateCache,
  compareStrings,
  createTranslationResult,
  DiagnosticList,
  identityOf,
  ObjectAdmission,
  reportMalformed,
  type Identity,
  canonicalObjects,
} from '@kupstream/core/building-blocks';
import type { Gateway, HTTPRoute } from '@kupstream/gateway-api-types';
import { BackendTlsPolicyIndex } from './backend-tls-policy.js';
import { buildIndexes, createContext, type SnapshotIndexes, type TranslationContext } from './context.js';
import { EndpointTable } from './endpoints.js';
import { selectGatewayClasses } from './gateway-classes.js';
import { buildGateway, gatewayStatus, type GatewayState, type ListenerRouteFacts } from './gateways.js';
import { GRPC_ROUTE_RULES } from './grpc-routes.js';
import {
  httpRouteStatus,
  translateHttpRoute,
  translateRoute,
  type GatewayLookup,
  type RouteKindRules,
  type RouteRecord,
} from './http-routes.js';
import { TCP_ROUTE_RULES, TLS_ROUTE_RULES } from './l4-routes.js';
import { backendTlsPolicyStatus } from './policy-status.js';
import { resolveGatewayOptions, type GatewayTranslateOptions, type ResolvedGatewayOptions } from './options.js';
import { RouteAggregate } from './route-aggregate.js';

export function translateGatewayApi(snapshot: ClusterSnapshot, options: GatewayTranslateOptions = {}): TranslationResult {
  // A per-call certificate cache: material repeated in the snapshot is parsed once.
  return runTranslation(snapshot, resolveGatewayOptions(options), new CertificateCache(), BUILD_EVERYTHING);
}

/**
 * What routes read: the GatewayClasses, Gateways and BackendTLSPolicies as evaluated from
 * the non-route objects at one time, with the diagnostics and credentials that gave. A
 * translator keeps it while those objects and the time are unchanged.
 */
export interface Frame {
  ctx: TranslationContext;
  indexes: SnapshotIndexes;
  classStatuses: ResourceStatus[];
  /** Every Gateway key in the input, ours or not. */
  existing: ReadonlySet<string>;
  ours: ReadonlyMap<string, GatewayState>;
  policies: BackendTlsPolicyIndex;
  lookup: GatewayLookup;
  diagnostics: readonly Diagnostic[];
}

/** What the routes add up to; kept with its frame by a translator. */
export interface RouteState {
  routes: RouteAggregate;
  endpoints: EndpointTable;
}

/** A status and the diagnostics its computation gave. */
export interface StatusOutcome {
  status: ResourceStatus | undefined;
  diagnostics: readonly Diagnostic[];
}

/** What a cache supplies to one translation; every answer must equal what the pass would compute. */
export interface TranslationReuse {
  /** The credential store the result gets, from the one this translation filled. */
  credentials(filled: CredentialStore): CredentialStore;
  /** The frame: built by `build` (from the given indexes, or new ones) unless the kept one still holds. */
  frame(snapshot: ClusterSnapshot, build: (indexes?: SnapshotIndexes) => Frame): Frame;
  /** The route state for this frame: `create`d unless one kept for the same frame exists. */
  routeState(frame: Frame, create: () => RouteState): RouteState;
  /** The routes in translation order, sorted by `sort` unless the kept order still holds. */
  routeOrder(list: unknown, sort: () => SortedRoutes): SortedRoutes;
  /** The route's record (any kind), translated by `translate` unless a valid one is kept. */
  route(route: object, translate: () => RouteRecord): RouteRecord;
  /** The route's status, stamped by `stamp` unless a kept one is valid at this time. */
  routeStatus(route: object, stamp: () => ResourceStatus): ResourceStatus;
  /** A Gateway's or a policy's status within the frame, computed by `compute` unless kept for the same `signature()`. */
  status(owner: object, signature: () => string, compute: () => StatusOutcome): StatusOutcome;
}

/** The strategy of a one-shot translation: nothing is kept, everything is built. */
export const BUILD_EVERYTHING: TranslationReuse = {
  credentials: (filled) => filled,
  frame: (_snapshot, build) => build(),
  routeState: (_frame, create) => create(),
  routeOrder: (_list, sort) => sort(),
  route: (_route, translate) => translate(),
  routeStatus: (_route, stamp) => stamp(),
  status: (_owner, _signature, compute) => compute(),
};

/** Route kinds beside HTTPRoute, by snapshot list (HTTPRoute's own order is kept between calls). */
const OTHER_ROUTE_KINDS: readonly (readonly ['grpcRoutes' | 'tlsRoutes' | 'tcpRoutes', RouteKindRules])[] = [
  ['grpcRoutes', GRPC_ROUTE_RULES],
  ['tlsRoutes', TLS_ROUTE_RULES],
  ['tcpRoutes', TCP_ROUTE_RULES],
];

export function runTranslation(
  snapshot: ClusterSnapshot,
  options: ResolvedGatewayOptions,
  certificates: CertificateCache,
  reuse: TranslationReuse,
): TranslationResult {
  const input = isObject(snapshot) ? snapshot : {};
  const ns = options.defaultNamespace;
  const build = (kept?: SnapshotIndexes) => {
    const indexes = kept ?? buildIndexes(input, ns);
    return buildFrame(input, indexes, createContext(indexes, options, certificates));
  };
  const frame = reuse.frame(input, build);
  const createState = (): RouteState => ({ routes: new RouteAggregate(frame.policies), endpoints: new EndpointTable() });
  const { routes, endpoints } = reuse.routeState(frame, createState);
  const { ctx, ours } = frame;
  // Diagnostics of this call beyond the frame's: the route list's own, conflicts, statuses.
  const diagnostics = new DiagnosticList();
  // Statuses by kind in result order (BackendTLSPolicy, Gateway, GatewayClass, HTTPRoute), routes
  // in namespace/name order: the result's sort then has little to do.
  const routeStatuses: ResourceStatus[] = [];

  const seenRoutes = new Set<string>();
  /** One route of any kind into the aggregate; `routeKey` is unique across kinds. */
  const admit = (kind: string, route: KubeObject, routeKey: string, translate: () => RouteRecord) => {
    seenRoutes.add(routeKey);
    const record = reuse.route(route, translate);
    routes.set(routeKey, record);
    const parents = record.parents;
    if (parents) {
      const stamp = () => httpRouteStatus(ctx, route, parents, kind);
      routeStatuses.push(reuse.routeStatus(route, stamp));
    }
  };
  reportMalformed(input.httpRoutes, 'HTTPRoute', diagnostics);
  const admission = new ObjectAdmission('HTTPRoute', 'oldest', diagnostics);
  const sort = () => sortRoutes(input.httpRoutes, ns);
  const sortedRoutes = reuse.routeOrder(input.httpRoutes, sort);
  for (const { object: route, identity, key } of sortedRoutes.entries) {
    if (admission.admit(identity)) admit('HTTPRoute', route, key, () => translateHttpRoute(ctx, route, frame.lookup, frame.policies));
  }
  for (const [list, rules] of OTHER_ROUTE_KINDS) {
    reportMalformed(input[list], rules.kind, diagnostics);
    const kindAdmission = new ObjectAdmission(rules.kind, 'oldest', diagnostics);
    for (const { object: route, identity, key } of sortRoutes(input[list], ns).entries) {
      if (kindAdmission.admit(identity))
        admit(rules.kind, route, `${rules.kind} ${key}`, () => translateRoute(ctx, route, rules, frame.lookup, frame.policies));
    }
  }
  routes.retain(seenRoutes);
  routes.settle();
  endpoints.update(routes, routes.takeChangedGroups(), ours);
  const conflicted = endpoints.conflicts(diagnostics);

  const outcomes: StatusOutcome[] = [];
  for (const policy of frame.policies.policies) {
    const ancestors = [...routes.ancestors(policy)];
    const compute = (): StatusOutcome => {
      const own = { ...ctx, diagnostics: new DiagnosticList() };
      return { status: backendTlsPolicyStatus(own, policy, ancestors, ours), diagnostics: own.diagnostics.items };
    };
    outcomes.push(reuse.status(policy, () => ancestors.sort(compareStrings).join(' '), compute));
  }
  for (const gateway of ours.values()) {
    const facts: ListenerRouteFacts = {
      attachedRoutes: (index) => routes.attachedRoutes(gateway.key, index),
      conflicted: (listener) => conflicted.get(listener),
    };
    // Within a frame a Gateway's status changes only with its attached routes and conflicts.
    const signature = () =>
      gateway.listeners.map((l) => `${facts.attachedRoutes(l.index)} ${facts.conflicted(l)?.message ?? ''}`).join('\n');
    const compute = () => ({ status: gatewayStatus(ctx, gateway, facts), diagnostics: [] });
    outcomes.push(reuse.status(gateway, signature, compute));
  }
  const statuses: ResourceStatus[] = [];
  for (const outcome of outcomes) {
    if (outcome.status) statuses.push(outcome.status);
    for (const diagnostic of outcome.diagnostics) diagnostics.items.push(diagnostic);
  }
  for (const status of frame.classStatuses) statuses.push(status);
  for (const status of routeStatuses) statuses.push(status);

  // Only upstreams some served endpoint routes to (not those of unprogrammed listeners or lost URLs).
  const upstreams: Upstream[] = [];
  for (const { value } of routes.upstreams()) if (endpoints.uses(value.name)) upstreams.push(value);
  const routeDiagnostics = Array.from(routes.diagnostics(), (d) => d.value);
  const model: TranslationModel = {
    endpoints: endpoints.endpoints(),
    upstreams,
    statuses,
    diagnostics: [...frame.diagnostics, ...routeDiagnostics, ...diagnostics.items],
  };
  return createTranslationResult(model, reuse.credentials(ctx.credentials), options.now);
}

/** Classes, Gateways and BackendTLSPolicies: everything but the routes. */
function buildFrame(input: ClusterSnapshot, indexes: SnapshotIndexes, ctx: TranslationContext): Frame {
  const ns = ctx.options.defaultNamespace;
  reportMalformed(input.gatewayClasses, 'GatewayClass', ctx.diagnostics);
  const classes = selectGatewayClasses(ctx, canonicalObjects(input.gatewayClasses, ns));
  const existing = new Set<string>();
  const ours = new Map<string, GatewayState>();
  reportMalformed(input.gateways, 'Gateway', ctx.diagnostics);
  const admission = new ObjectAdmission('Gateway', 'oldest', ctx.diagnostics);
  for (const gateway of sortByAge(canonicalObjects<Gateway>(input.gateways, ns), ns)) {
    const { namespace, name } = identityOf(gateway, ns);
    const key = `${namespace}/${name}`;
    if (!admission.admit({ namespace, name })) continue;
    existing.add(key);
    const className = typeof gateway.spec?.gatewayClassName === 'string' ? gateway.spec.gatewayClassName : '';
    const ref = { kind: 'Gateway', namespace, name };
    if (!className) {
      ctx.diagnostics.error('GatewayClassMissing', ref, 'spec.gatewayClassName is required', 'spec.gatewayClassName');
      continue;
    }
    if (!classes.isOurs(className)) {
      ctx.diagnostics.info(
        'GatewayNotOurs',
        ref,
        `GatewayClass "${className}" is not handled by ${ctx.options.controllerName}`,
        'spec.gatewayClassName',
      );
      continue;
    }
    if (classes.assumed) {
      ctx.diagnostics.info(
        'GatewayClassAssumed',
        ref,
        `no GatewayClass objects in the input: class "${className}" is taken as this controller's`,
        'spec.gatewayClassName',
      );
    }
    ours.set(key, buildGateway(ctx, gateway));
  }
  reportMalformed(input.backendTLSPolicies, 'BackendTLSPolicy', ctx.diagnostics);
  const policies = new BackendTlsPolicyIndex(ctx, canonicalObjects(input.backendTLSPolicies, ns));
  const lookup: GatewayLookup = { exists: (n, name) => existing.has(`${n}/${name}`), ours: (n, name) => ours.get(`${n}/${name}`) };
  // Route translations write into their own lists; these are the frame's alone.
  return { ctx, indexes, classStatuses: classes.statuses, existing, ours, policies, lookup, diagnostics: [...ctx.diagnostics.items] };
}

export interface SortedRoutes {
  /** `key` is `namespace/name`, computed once with the order. */
  entries: { object: HTTPRoute; identity: Identity; key: string }[];
  /** No two routes share namespace/name: then the order depends only on (creationTimestamp, namespace, name). */
  unique: boolean;
}

/**
 * Routes by namespace/name, the oldest first among objects that share one (it is the one
 * used). Records add up in any order; this one is the order of their statuses in the result.
 */
function sortRoutes(list: unknown, ns: string): SortedRoutes {
  const entries = withTimes(canonicalObjects<HTTPRoute>(Array.isArray(list) ? list : undefined, ns), ns)
    .sort(
      (a, b) =>
        compareStrings(a.identity.namespace, b.identity.namespace) ||
        compareStrings(a.identity.name, b.identity.name) ||
        compareTimes(a.time, b.time),
    )
    .map(({ object, identity }) => ({ object, identity, key: `${identity.namespace}/${identity.name}` }));
  const keys = new Set(entries.map((e) => e.key));
  return { entries, unique: keys.size === entries.length };
}

function sortByAge<T>(objects: T[], ns: string): T[] {
  return sortEntriesByAge(objects, ns).map((e) => e.object);
}

/** `compareByAge` order, with each timestamp parsed once rather than once per comparison. */
function sortEntriesByAge<T>(objects: T[], ns: string): { object: T; identity: Identity }[] {
  return withTimes(objects, ns).sort(
    (a, b) =>
      compareTimes(a.time, b.time) ||
      compareStrings(a.identity.namespace, b.identity.namespace) ||
      compareStrings(a.identity.name, b.identity.name),
  );
}

function withTimes<T>(objects: T[], ns: string): { object: T; identity: Identity; time: number }[] {
  return objects.map((object) => {
    const identity = identityOf(object, ns);
    const time = Date.parse(identity.creationTimestamp);
    return { object, identity, time: Number.isNaN(time) ? Number.POSITIVE_INFINITY : time };
  });
}

function compareTimes(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function isObject(value: unknown): value is ClusterSnapshot {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
