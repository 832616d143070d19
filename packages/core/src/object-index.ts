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
