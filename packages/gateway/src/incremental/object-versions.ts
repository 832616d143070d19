// What the incremental translator compares to know whether the objects routes read are
// unchanged: per snapshot list, each object (by identity) with how often it is listed and
// its resourceVersion, and how many entries are not objects at all.
import { RESOURCES, type ClusterSnapshot, type SnapshotKey } from '@kupstream/core';
import { isRecord } from '@kupstream/core/building-blocks';

/** The route lists (every route kind): each route's record is kept by the route object, one by one. */
const ROUTE_LISTS: ReadonlySet<SnapshotKey> = new Set<SnapshotKey>(['httpRoutes', 'grpcRoutes', 'tlsRoutes', 'tcpRoutes']);

/**
 * The snapshot lists routes depend on (through indexes, Gateways and BackendTLSPolicies):
 * everything the Gateway translator reads but the routes themselves. Derived from core's
 * resource table, so a new kind is watched as soon as it is declared there.
 */
export const ROUTE_INPUTS: readonly SnapshotKey[] = RESOURCES.filter((r) => r.readBy.includes('gateway') && !ROUTE_LISTS.has(r.key)).map(
  (r) => r.key,
);

interface Listed {
  /** Times the object appears in the list: a repeated object changes diagnostics. */
  count: number;
  resourceVersion: string | undefined;
}

interface ListVersions {
  objects: Map<object, Listed>;
  /** Entries that are not objects (they are reported, so their number matters). */
  malformed: number;
}

export type ObjectVersions = Map<SnapshotKey, ListVersions>;

export function versionsOf(snapshot: ClusterSnapshot): ObjectVersions {
  const versions: ObjectVersions = new Map();
  for (const key of ROUTE_INPUTS) {
    const list: ListVersions = { objects: new Map(), malformed: 0 };
    const value: unknown = snapshot[key];
    for (const object of Array.isArray(value) ? value : []) {
      if (!isRecord(object)) {
        list.malformed++;
        continue;
      }
      const seen = list.objects.get(object);
      if (seen) seen.count++;
      else list.objects.set(object, { count: 1, resourceVersion: resourceVersionOf(object) });
    }
    versions.set(key, list);
  }
  return versions;
}

export function sameVersions(a: ObjectVersions, b: ObjectVersions): boolean {
  for (const [key, before] of a) {
    const after = b.get(key);
    if (!after || before.malformed !== after.malformed || before.objects.size !== after.objects.size) return false;
    for (const [object, listed] of before.objects) {
      const now = after.objects.get(object);
      if (!now || now.count !== listed.count || now.resourceVersion !== listed.resourceVersion) return false;
    }
  }
  return true;
}

export function resourceVersionOf(object: unknown): string | undefined {
  const meta = isRecord(object) && isRecord(object.metadata) ? object.metadata : undefined;
  return typeof meta?.resourceVersion === 'string' ? meta.resourceVersion : undefined;
}
