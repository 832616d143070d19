// A translator that a host keeps between calls (a controller re-translating on every watch
// event). Results are byte-identical to `translateGatewayApi`; what is reused is work whose
// inputs have not changed:
// - certificate inspections, by SHA-256 of the material (parsing dominates a translation);
// - the lookup indexes, while the non-route objects are the same objects;
// - the frame (GatewayClasses, Gateways, BackendTLSPolicies as evaluated), while the non-route
//   objects and the translation time are unchanged;
// - each HTTPRoute's record (attachment, rules, backends, upstreams, diagnostics), keyed by
//   the route object and its resourceVersion, while everything routes read is unchanged:
//   every non-route object (identity and resourceVersion) and the Gateways' resolved state
//   (which also depends on the clock, through certificate validity);
// - with a kept frame, what the records add up to (route-aggregate.ts) and the endpoints
//   (endpoints.ts): a changed route's old record is taken out and its new one put in, and
//   only the endpoints it touches are rebuilt;
// - each route's status, while its record and the translation time are unchanged, and each
//   Gateway's and policy's status while its attached routes, conflicts and ancestors are.
// Objects are treated as immutable, as an informer cache hands them out: an object changed in
// place must get a new resourceVersion (as the API server gives it). Results share unchanged
// parts with earlier results: treat them as read-only.
import {
  CertificateCache,
  RESOURCES,
  identityOf,
  isRecord,
  metaTime,
  type ClusterSnapshot,
  type ResourceStatus,
  type TranslationResult,
} from '@kupstream/core';
import type { RouteRecord } from './http-routes.js';
import { resolveGatewayOptions, type GatewayTranslateOptions } from './options.js';
import { runTranslation, type Frame, type RouteState, type SortedRoutes, type StatusOutcome, type TranslationReuse } from './translate.js';
import type { HTTPRoute } from '@kupstream/gateway-api-types';
import type { SnapshotIndexes } from './context.js';

export interface GatewayTranslator {
  /** Translates a snapshot; the same output as `translateGatewayApi(snapshot, options)` (options as they were at creation; `now()` is called on every translation). */
  translate(snapshot: ClusterSnapshot): TranslationResult;
}

/** The route lists (every kind): each route's record is kept by the route object, one by one. */
const ROUTE_LISTS: ReadonlySet<string> = new Set(['httpRoutes', 'grpcRoutes', 'tlsRoutes', 'tcpRoutes']);
/**
 * The snapshot lists routes depend on (through indexes, Gateways and BackendTLSPolicies):
 * everything this translator reads but the routes themselves.
 */
const ROUTE_INPUTS = RESOURCES.filter((r) => r.readBy.includes('gateway') && !ROUTE_LISTS.has(r.key)).map((r) => r.key);

interface RouteEntry {
  generation: number;
  resourceVersion: string | undefined;
  record: RouteRecord;
  status?: ResourceStatus;
  statusTime?: number;
  /** The status holds no time of its own (every condition kept the object's transition time): valid at any time. */
  timeless?: boolean;
}

/** Per list: object -> how often it is listed and its resourceVersion. */
type ObjectVersions = Map<string, Map<object, string>>;

export function createGatewayTranslator(options: GatewayTranslateOptions = {}): GatewayTranslator {
  // Read once: kept work depends on these options, so later changes to the object must not apply.
  const fixed: GatewayTranslateOptions = { ...options };
  const certificates = new CertificateCache();
  // Keyed by the route objects themselves: entries go with the routes the host drops.
  const routes = new WeakMap<object, RouteEntry>();
  let objects: ObjectVersions | undefined;
  let kept: { frame: Frame; indexes: SnapshotIndexes; time: number; signature: string; state?: RouteState } | undefined;
  let order: { list: unknown[]; sorted: SortedRoutes; position: Map<object, number> } | undefined;
  // Statuses of Gateways and policies, by the frame's objects: they go with the frame.
  let statuses = new WeakMap<object, { signature: string; outcome: StatusOutcome; time: number; timeless: boolean }>();
  // Bumped whenever anything routes read may have changed: older route records are stale.
  let generation = 0;

  return {
    translate(snapshot) {
      const resolved = resolveGatewayOptions(fixed);
      const time = resolved.now.getTime();
      const reuse: TranslationReuse = {
        frame(input, build) {
          const next = versionsOf(input);
          const objectsChanged = objects === undefined || !sameVersions(objects, next);
          objects = next;
          if (!objectsChanged && kept && kept.time === time) return kept.frame;
          // Unchanged objects at another time: the indexes hold, the certificates' validity may not.
          const frame = build(objectsChanged ? undefined : kept?.indexes);
          const signature = signatureOf(frame);
          if (!objectsChanged && kept && signature === kept.signature) {
            // The same evaluation at another time: the kept Gateways and policies (which records,
            // aggregates and endpoints point at) stand for this time's equal ones; the rest
            // (time, credentials, class statuses, diagnostics) is this time's.
            const { ours, existing, policies, lookup } = kept.frame;
            kept = { ...kept, frame: { ...frame, ours, existing, policies, lookup }, time };
            return kept.frame;
          }
          generation++;
          kept = { frame, indexes: frame.indexes, time, signature };
          statuses = new WeakMap();
          return frame;
        },
        routeState(frame, create) {
          if (kept?.frame !== frame) return create();
          return (kept.state ??= create());
        },
        routeOrder(list, sort) {
          const reordered = order && Array.isArray(list) ? reorder(order, list, resolved.defaultNamespace) : undefined;
          const sorted = reordered ?? sort();
          order = Array.isArray(list) ? { list: [...list], sorted, position: reordered ? order!.position : positions(sorted) } : undefined;
          return sorted;
        },
        route(route, translate) {
          const resourceVersion = resourceVersionOf(route);
          const entry = routes.get(route);
          if (entry && entry.generation === generation && entry.resourceVersion === resourceVersion) return entry.record;
          const next: RouteEntry = { generation, resourceVersion, record: translate() };
          routes.set(route, next);
          return next.record;
        },
        routeStatus(route, stamp) {
          const entry = routes.get(route);
          if (!entry) return stamp();
          if (entry.status === undefined || (entry.statusTime !== time && !entry.timeless)) {
            entry.status = stamp();
            entry.statusTime = time;
            entry.timeless = !mentionsTime(entry.status, resolved.now);
          }
          return entry.status;
        },
        status(owner, signature, compute) {
          const memo = statuses.get(owner);
          if (memo?.signature === signature && (memo.time === time || memo.timeless)) return memo.outcome;
          const outcome = compute();
          statuses.set(owner, { signature, outcome, time, timeless: !mentionsTime(outcome.status, resolved.now) });
          return outcome;
        },
      };
      const result = runTranslation(snapshot, resolved, certificates, reuse);
      certificates.sweep();
      return result;
    },
  };
}

function positions(sorted: SortedRoutes): Map<object, number> {
  return new Map(sorted.entries.map((e, i) => [e.object, i]));
}

/**
 * The kept order with replaced routes put in their predecessors' places, when that is the
 * order a sort would give: same length, every replacement has the same namespace, name and
 * creationTimestamp, and names are unique (no content tie-break). Else undefined.
 */
function reorder(
  kept: { list: unknown[]; sorted: SortedRoutes; position: Map<object, number> },
  list: unknown[],
  ns: string,
): SortedRoutes | undefined {
  if (!kept.sorted.unique || list.length !== kept.list.length) return undefined;
  let entries: SortedRoutes['entries'] | undefined;
  for (let i = 0; i < list.length; i++) {
    const next = list[i];
    const before = kept.list[i];
    if (next === before) continue;
    if (!isRecord(next) || !isRecord(before)) return undefined;
    const at = kept.position.get(before);
    if (at === undefined) return undefined;
    const identity = identityOf(next, ns);
    const old = kept.sorted.entries[at]!.identity;
    if (identity.namespace !== old.namespace || identity.name !== old.name || identity.creationTimestamp !== old.creationTimestamp)
      return undefined;
    entries ??= [...kept.sorted.entries];
    entries[at] = { object: next as HTTPRoute, identity, key: kept.sorted.entries[at]!.key };
    kept.position.delete(before);
    kept.position.set(next, at);
  }
  return entries ? { entries, unique: true } : kept.sorted;
}

function versionsOf(snapshot: ClusterSnapshot): ObjectVersions {
  const versions: ObjectVersions = new Map();
  for (const list of ROUTE_INPUTS) {
    const byObject = new Map<object, string>();
    const value: unknown = snapshot[list];
    for (const object of Array.isArray(value) ? value : []) {
      if (!isRecord(object)) continue;
      const seen = byObject.get(object);
      // A repeated object counts: duplicates change diagnostics.
      byObject.set(
        object,
        seen === undefined ? `1 ${resourceVersionOf(object) ?? ''}` : `${Number.parseInt(seen, 10) + 1}${seen.slice(seen.indexOf(' '))}`,
      );
    }
    versions.set(list, byObject);
  }
  return versions;
}

function sameVersions(a: ObjectVersions, b: ObjectVersions): boolean {
  for (const [list, before] of a) {
    const after = b.get(list)!;
    if (before.size !== after.size) return false;
    for (const [object, version] of before) if (after.get(object) !== version) return false;
  }
  return true;
}

/**
 * What routes read of the frame, as text: the Gateways' resolved state and the policies'
 * verdicts. Both change with the clock when a certificate expires.
 */
function signatureOf(frame: Frame): string {
  const parts = [[...frame.existing].join(' ')];
  for (const [key, gateway] of frame.ours) parts.push(JSON.stringify([key, gateway.invalid, gateway.clientCertificate, gateway.listeners]));
  for (const p of frame.policies.policies) parts.push(JSON.stringify([p.ref, p.verification, p.hostname, p.accepted, p.resolvedRefs]));
  return parts.join('\n');
}

/** Whether a status was stamped with `now` (a condition that changed): then it is only valid at that time. */
function mentionsTime(status: ResourceStatus | undefined, now: Date): boolean {
  return status !== undefined && JSON.stringify(status).includes(metaTime(now));
}

function resourceVersionOf(object: unknown): string | undefined {
  const meta = isRecord(object) && isRecord(object.metadata) ? object.metadata : undefined;
  return typeof meta?.resourceVersion === 'string' ? meta.resourceVersion : undefined;
}
