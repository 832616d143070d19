// No API server runs here, so this stands in for @kubernetes/client-node's informers:
// the same `on('add' | 'update' | 'delete', callback)` surface, fed by the caller with
// ADDED / MODIFIED / DELETED events instead of a list+watch.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const VERBS = { ADDED: 'add', MODIFIED: 'update', DELETED: 'delete' };

export class ReplayInformer {
  #callbacks = { add: [], update: [], delete: [] };

  /** @param {'add' | 'update' | 'delete'} verb @param {(object: object) => void} callback */
  on(verb, callback) {
    this.#callbacks[verb].push(callback);
  }

  /** Delivers one watch event, as the API server would. @param {'ADDED' | 'MODIFIED' | 'DELETED'} type */
  emit(type, object) {
    for (const callback of this.#callbacks[VERBS[type]]) callback(object);
  }
}

/** The objects of every YAML file in `dir`, in file order. */
export function readManifests(dir) {
  return readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
        .map((doc) => doc.toJS())
        .filter(Boolean),
    );
}
