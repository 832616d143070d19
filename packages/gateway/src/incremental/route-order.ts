// The order of the routes a translator keeps between calls: when the changed routes only
// replace their predecessors (same namespace, name and creationTimestamp), the kept order
// holds with the new objects in the old places, and sorting ten thousand routes is skipped.
import { identityOf, isRecord } from '@kupstream/core/building-blocks';
import type { HTTPRoute } from '@kupstream/gateway-api-types';
import type { SortedRoutes } from '../translate.js';

/** The last translation's route list, its order, and each route object's place in it. */
export interface KeptOrder {
  list: unknown[];
  sorted: SortedRoutes;
  position: Map<object, number>;
}

export function positions(sorted: SortedRoutes): Map<object, number> {
  return new Map(sorted.entries.map((e, i) => [e.object, i]));
}

/**
 * The kept order with replaced routes put in their predecessors' places, when that is the
 * order a sort would give: same length, every replacement has the same namespace, name and
 * creationTimestamp, and names are unique (no content tie-break). Else undefined.
 */
export function reorder(kept: KeptOrder, list: unknown[], ns: string): SortedRoutes | undefined {
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
