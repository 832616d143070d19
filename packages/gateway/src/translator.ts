// A translator that a host keeps between calls (a controller re-translating on every watch
// event). Results are byte-identical to `translateGatewayApi`; what is reused is work whose
// inputs have not changed:
// - certificate inspections, by SHA-256 of the material (parsing dominates a translation);
// - the lookup indexes, while the non-route objects are the same objects;
// - each HTTPRoute's record (attachment, rules, backends, upstreams, diagnostics), keyed by
//   the route object and its resourceVersion, while everything routes read is unchanged:
//   every non-route object (identity and resourceVersion) and the Gateways' resolved state
//   (which also depends on the clock, through certificate validity);
// - each route's status, while its record and the translation time are unchanged.
// Objects are treated as immutable, as an informer cache hands them out: an object changed in
// place must get a new resourceVersion (as the API server gives it). Results share unchanged
// parts with earlier results: treat them as read-only.
import { CertificateCache, identityOf, isRecord, type ClusterSnapshot, type ResourceStatus, type TranslationResult } from '@kupstream/core';
import type { GatewayState } from './gateways.js';
import type { RouteRecord } from './http-routes.js';
import { resolveGatewayOptions, type GatewayTranslateOptions } from './options.js';
import { runTranslation, type SortedRoutes, type TranslationReuse } from './translate.js';
import type { HTTPRoute } from '@kupstream/gateway-api-types';
import type { SnapshotIndexes } from './context.js';

export interface GatewayTranslator {
  /** Translates a snapshot; the same output as `translateGatewayApi(snapshot, options)` (options as they were at creation; `now()` is called on every translation). */
  translate(snapshot: ClusterSnapshot): TranslationResult;
}

/** The snapshot lists HTTPRoutes depend on (through indexes, Gateways and BackendTLSPolicies). */
const ROUTE_INPUTS = ['gatewayClasses', 'gateways', 'referenceGrants', 'backendTLSPolicies', 'services', 'secrets', 'configMaps', 'namespaces'] as const;

interface RouteEntry {
  generation: number;
  resourceVersion: string | undefined;
  record: RouteRecord;
  status?: ResourceStatus;
  statusTime?: number;
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
  let indexes: SnapshotIndexes | undefined;
  let gatewaySignature: string | undefined;
  let order: { list: unknown[]; sorted: SortedRoutes; position: Map<object, number> } | undefined;
  // Bumped whenever anything routes read may have changed: older route records are stale.
  let generation = 0;

  return {
    translate(snapshot) {
      const resolved = resolveGatewayOptions(fixed);
      const time = resolved.now.getTime();
      let objectsChanged = false;
      const reuse: TranslationReuse = {
        indexes(input, build) {
          const next = versionsOf(input);
          objectsChanged = objects === undefined || !sameVersions(objects, next);
          objects = next;
          if (objectsChanged || !indexes) indexes = build();
          return indexes;
        },
        gatewaysBuilt(ours, existing) {
          const signature = signatureOf(ours, existing);
          if (objectsChanged || signature !== gatewaySignature) generation++;
          gatewaySignature = signature;
        },
        routeOrder(list, sort) {
          const kept = order && Array.isArray(list) ? reorder(order, list, resolved.defaultNamespace) : undefined;
          const sorted = kept ?? sort();
          order = Array.isArray(list) ? { list: [...list], sorted, position: kept ? order!.position : positions(sorted) } : undefined;
          return sorted;
        },
        route(route, translate) {
          const resourceVersion = resourceVersionOf(route);
          const kept = routes.get(route);
          if (kept && kept.generation === generation && kept.resourceVersion === resourceVersion) return kept.record;
          const entry: RouteEntry = { generation, resourceVersion, record: translate() };
          routes.set(route, entry);
          return entry.record;
        },
        routeStatus(route, stamp) {
          const entry = routes.get(route);
          if (!entry) return stamp();
          if (entry.status === undefined || entry.statusTime !== time) {
            entry.status = stamp();
            entry.statusTime = time;
          }
          return entry.status;
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
function reorder(kept: { list: unknown[]; sorted: SortedRoutes; position: Map<object, number> }, list: unknown[], ns: string): SortedRoutes | undefined {
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
    if (identity.namespace !== old.namespace || identity.name !== old.name || identity.creationTimestamp !== old.creationTimestamp) return undefined;
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
      byObject.set(object, seen === undefined ? `1 ${resourceVersionOf(object) ?? ''}` : `${Number.parseInt(seen, 10) + 1}${seen.slice(seen.indexOf(' '))}`);
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

/** What routes read of the Gateways, as text: it changes with the clock when a certificate expires. */
function signatureOf(ours: ReadonlyMap<string, GatewayState>, existing: ReadonlySet<string>): string {
  const parts = [[...existing].join(' ')];
  for (const [key, gateway] of ours) parts.push(JSON.stringify([key, gateway.invalid, gateway.clientCertificate, gateway.listeners]));
  return parts.join('\n');
}

function resourceVersionOf(object: unknown): string | undefined {
  const meta = isRecord(object) && isRecord(object.metadata) ? object.metadata : undefined;
  return typeof meta?.resourceVersion === 'string' ? meta.resourceVersion : undefined;
}
