// Lookup indexes built once per translation.
import { identityOf } from './object-meta.js';

/** Objects by `namespace/name`; on duplicates the first one wins (input order is canonicalized by callers). */
export class ObjectIndex<T> {
  readonly #byKey = new Map<string, T>();

  constructor(objects: readonly T[] | undefined, defaultNamespace: string) {
    for (const object of Array.isArray(objects) ? objects : []) {
      const { namespace, name } = identityOf(object, defaultNamespace);
      if (!name) continue;
      const key = `${namespace}/${name}`;
      if (!this.#byKey.has(key)) this.#byKey.set(key, object);
    }
  }

  get(namespace: string, name: string): T | undefined {
    return this.#byKey.get(`${namespace}/${name}`);
  }

  values(): IterableIterator<T> {
    return this.#byKey.values();
  }
}

/**
 * An input list in one canonical order (namespace/name, then content), non-objects
 * dropped, so that translation output never depends on the order objects arrived in,
 * duplicates included. Build indexes from this.
 */
export function canonicalObjects<T>(list: readonly T[] | undefined, defaultNamespace: string): T[] {
  if (!Array.isArray(list)) return [];
  const keyed = list
    .filter((object): object is T => typeof object === 'object' && object !== null && !Array.isArray(object))
    .map((object) => {
      const { namespace, name } = identityOf(object, defaultNamespace);
      return { object, key: `${namespace}/${name}`, text: undefined as string | undefined };
    });
  keyed.sort((a, b) => compare(a.key, b.key) || compare((a.text ??= jsonText(a.object)), (b.text ??= jsonText(b.object))));
  return keyed.map((entry) => entry.object);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
