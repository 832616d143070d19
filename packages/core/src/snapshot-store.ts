// A live, in-memory ClusterSnapshot that a host's own Kubernetes I/O (informers, a
// test, a file watcher) keeps up to date. Pure: no I/O, no clock, no global state.
import type { KubeObject } from './kube-objects.js';
import { compareStrings, isRecord } from './resource-ref.js';
import { canonicalJson } from './canonical-json.js';
import { SNAPSHOT_KEYS, type SnapshotKey } from './resources.js';
import { snapshotKeyFor, type ClusterSnapshot } from './snapshot.js';

/** Names one object; `namespace` is absent (or `''`) for cluster-scoped kinds. */
export interface StoredObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** What changed; `version` is the store's version after the change. */
export type SnapshotChange =
  | { type: 'upsert' | 'delete'; key: SnapshotKey; namespace: string; name: string; version: number }
  | { type: 'replace'; key: SnapshotKey; version: number };

export type SnapshotListener = (change: SnapshotChange) => void;

/**
 * Objects by kind, then by `namespace/name`.
 *
 * - `upsert(object)` routes by `apiVersion`/`kind` (see `snapshotKeyFor`); it returns
 *   `false` and changes nothing for a kind the translators do not read or an object
 *   without `metadata.name`. Upserting an object equal to the stored one is not a change.
 * - `delete(objectOrRef)` removes by kind, namespace and name.
 * - `replace(key, objects)` swaps a whole list at once (an informer's relist).
 * - `snapshot()` returns every list sorted by namespace, then name, so translations do
 *   not depend on event order; the same snapshot object is returned until the next change.
 * - `version` counts changes; `subscribe(listener)` is told of each one, synchronously.
 *
 * The store keeps the objects it is given (no copy): treat them as immutable afterwards,
 * as translators do.
 */
export class SnapshotStore {
  readonly #lists = new Map<SnapshotKey, Map<string, KubeObject>>();
  readonly #listeners = new Set<SnapshotListener>();
  #version = 0;
  #cached: ClusterSnapshot | undefined;

  /** Increases by one on every change. */
  get version(): number {
    return this.#version;
  }

  /** Adds or replaces an object. `false`: not a kind the snapshot holds, or no name. */
  upsert(object: unknown): boolean {
    const placed = place(object);
    if (!placed) return false;
    const list = this.#list(placed.key);
    const id = objectId(placed.namespace, placed.name);
    const previous = list.get(id);
    if (previous !== undefined && sameObject(previous, object as KubeObject)) return true;
    list.set(id, object as KubeObject);
    this.#changed({ type: 'upsert', key: placed.key, namespace: placed.namespace, name: placed.name, version: this.#version + 1 });
    return true;
  }

  /** Removes an object; `false` when it was not there (or the kind is not held). */
  delete(objectOrRef: KubeObject | StoredObjectRef): boolean {
    const placed = place(
      isRef(objectOrRef)
        ? {
            apiVersion: objectOrRef.apiVersion,
            kind: objectOrRef.kind,
            metadata: { namespace: objectOrRef.namespace, name: objectOrRef.name },
          }
        : objectOrRef,
    );
    if (!placed) return false;
    const list = this.#lists.get(placed.key);
    if (!list?.delete(objectId(placed.namespace, placed.name))) return false;
    this.#changed({ type: 'delete', key: placed.key, namespace: placed.namespace, name: placed.name, version: this.#version + 1 });
    return true;
  }

  /**
   * Makes `objects` the whole content of one list (what a relist returns). Objects of
   * another kind, or without a name, are left out and returned so the caller can report
   * them. Nothing changes (and no listener is called) when the content is the same.
   */
  replace(key: SnapshotKey, objects: readonly unknown[]): unknown[] {
    const rejected: unknown[] = [];
    const next = new Map<string, KubeObject>();
    for (const object of objects) {
      const placed = place(object);
      if (!placed || placed.key !== key) rejected.push(object);
      else next.set(objectId(placed.namespace, placed.name), object as KubeObject);
    }
    if (!sameContent(this.#lists.get(key), next)) {
      this.#lists.set(key, next);
      this.#changed({ type: 'replace', key, version: this.#version + 1 });
    }
    return rejected;
  }

  /** The stored object, if any. */
  get(ref: StoredObjectRef): KubeObject | undefined {
    const key = snapshotKeyFor(ref.apiVersion, ref.kind);
    return key ? this.#lists.get(key)?.get(objectId(ref.namespace ?? '', ref.name)) : undefined;
  }

  /** Number of objects held, over all lists. */
  get size(): number {
    let total = 0;
    for (const list of this.#lists.values()) total += list.size;
    return total;
  }

  /** Every list (empty ones included), each sorted by namespace then name. Cached until the next change. */
  snapshot(): ClusterSnapshot {
    if (this.#cached) return this.#cached;
    const snapshot: Record<string, readonly KubeObject[]> = {};
    for (const key of SNAPSHOT_KEYS) {
      const objects = [...(this.#lists.get(key)?.values() ?? [])];
      objects.sort((a, b) => compareStrings(namespaceOf(a), namespaceOf(b)) || compareStrings(nameOf(a), nameOf(b)));
      snapshot[key] = Object.freeze(objects);
    }
    this.#cached = Object.freeze(snapshot) as ClusterSnapshot;
    return this.#cached;
  }

  /** Calls `listener` after every change; returns the function that unsubscribes it. */
  subscribe(listener: SnapshotListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #list(key: SnapshotKey): Map<string, KubeObject> {
    let list = this.#lists.get(key);
    if (!list) this.#lists.set(key, (list = new Map()));
    return list;
  }

  #changed(change: SnapshotChange): void {
    this.#version = change.version;
    this.#cached = undefined;
    // A throwing listener must not leave the store half-notified or break its caller's loop.
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // Listeners report their own errors; the store's state is already consistent.
      }
    }
  }
}

interface Placement {
  key: SnapshotKey;
  namespace: string;
  name: string;
}

function place(object: unknown): Placement | undefined {
  if (!isRecord(object)) return undefined;
  const key = snapshotKeyFor(object.apiVersion, object.kind);
  const meta = isRecord(object.metadata) ? object.metadata : undefined;
  if (!key || !meta || typeof meta.name !== 'string' || meta.name === '') return undefined;
  return { key, namespace: typeof meta.namespace === 'string' ? meta.namespace : '', name: meta.name };
}

function isRef(value: KubeObject | StoredObjectRef): value is StoredObjectRef {
  return !('metadata' in value) && typeof (value as StoredObjectRef).name === 'string';
}

function namespaceOf(object: KubeObject): string {
  const namespace = object.metadata?.namespace;
  return typeof namespace === 'string' ? namespace : '';
}

function nameOf(object: KubeObject): string {
  const name = object.metadata?.name;
  return typeof name === 'string' ? name : '';
}

/** `/` cannot occur in a namespace, so the id is unambiguous. */
function objectId(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function sameContent(a: Map<string, KubeObject> | undefined, b: Map<string, KubeObject>): boolean {
  if ((a?.size ?? 0) !== b.size) return false;
  if (!a) return true;
  for (const [id, object] of b) {
    const other = a.get(id);
    if (other === undefined || !sameObject(other, object)) return false;
  }
  return true;
}

/**
 * Two different resourceVersions are two versions as far as the API server is
 * concerned (no deep comparison of a large Secret needed); otherwise compare content,
 * since hand-made objects may carry no or stale resourceVersions.
 */
function sameObject(a: KubeObject, b: KubeObject): boolean {
  if (a === b) return true;
  const va = a.metadata?.resourceVersion;
  const vb = b.metadata?.resourceVersion;
  if (typeof va === 'string' && typeof vb === 'string' && va !== '' && vb !== '' && va !== vb) return false;
  return canonicalJson(a) === canonicalJson(b);
}
