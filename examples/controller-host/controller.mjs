// A minimal controller on the kupstream library API: informers feed a SnapshotStore,
// every burst of changes is translated once (debounced), and the status of each object
// is handed to `writeStatus` only when it differs from what that object already has.
import { SnapshotStore, mergeResults, translateAgentEndpoints } from '@kupstream/core';
import { translateGatewayApi } from '@kupstream/gateway';
import { translateIngresses } from '@kupstream/ingress';

/** Everything kupstream translates, merged into one result. */
export function translateAll(snapshot, now = () => new Date()) {
  return mergeResults(
    translateGatewayApi(snapshot, { now }),
    translateIngresses(snapshot, { now }),
    translateAgentEndpoints(snapshot, { now }),
  );
}

/**
 * Wires an informer (client-node's, or the replay one) to the store. `toPlain` turns what
 * the informer hands out into the plain object the translators read (see README).
 */
export function connectInformer(informer, store, toPlain = (object) => object) {
  informer.on('add', (object) => store.upsert(toPlain(object)));
  informer.on('update', (object) => store.upsert(toPlain(object)));
  informer.on('delete', (object) => store.delete(toPlain(object)));
}

/**
 * @param {object} options
 * @param {(ref: {apiVersion: string, kind: string, namespace?: string, name: string}, patch: {status: object}) => Promise<void> | void} options.writeStatus
 *   sends one merge-patch body to the object's /status subresource
 * @param {(snapshot: import('@kupstream/core').ClusterSnapshot) => import('@kupstream/core').TranslationResult} [options.translate]
 * @param {number} [options.debounceMs] quiet time before translating a burst of events
 * @param {number} [options.retryMs] when a write failed, translate and write again after this long
 * @param {(result: import('@kupstream/core').TranslationResult) => void} [options.onResult] e.g. `proxy.update(result)`
 * @param {(error: unknown) => void} [options.onError]
 */
export function createController({
  writeStatus,
  translate = translateAll,
  debounceMs = 50,
  retryMs = 1000,
  onResult,
  onError = console.error,
}) {
  const store = new SnapshotStore();
  const written = new Map(); // object key -> the status we last wrote
  const idleWaiters = [];
  let timer;
  let running = Promise.resolve();
  let queued = 0; // translations started or waiting behind another
  let closed = false;

  async function reconcile() {
    const result = translate(store.snapshot());
    onResult?.(result);
    const seen = new Set();
    let failed = false;
    for (const { apiVersion, kind, namespace, name, status } of result.statuses) {
      const ref = { apiVersion, kind, ...(namespace ? { namespace } : {}), name };
      const key = `${kind}/${namespace ?? ''}/${name}`;
      seen.add(key);
      // What the object has: our last write, else the status the informer delivered with it.
      const previous = written.get(key) ?? store.get(ref)?.status;
      const next = keepTransitionTimes(status, previous);
      if (JSON.stringify(next) === JSON.stringify(previous)) continue;
      try {
        await writeStatus(ref, { status: next });
        written.set(key, next);
      } catch (error) {
        onError(error);
        failed = true; // not remembered as written: the retry compares and writes again
      }
    }
    // A deleted object has no status to keep; if it comes back it is written afresh.
    for (const key of written.keys()) if (!seen.has(key)) written.delete(key);
    if (failed) schedule(retryMs);
  }

  function schedule(delay) {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      queued++;
      // One translation at a time; a burst that arrives meanwhile gets the next one.
      running = running
        .then(reconcile)
        .catch(onError)
        .finally(() => {
          queued--;
          if (!timer && queued === 0) idleWaiters.splice(0).forEach((resolve) => resolve());
        });
    }, delay);
  }
  const unsubscribe = store.subscribe(() => schedule(debounceMs));

  return {
    store,
    /** Resolves once no event is waiting to be translated and no translation is running. */
    idle: () => new Promise((resolve) => (timer || queued ? idleWaiters.push(resolve) : resolve())),
    async close() {
      closed = true;
      unsubscribe();
      clearTimeout(timer);
      timer = undefined;
      await running;
      idleWaiters.splice(0).forEach((resolve) => resolve());
    },
  };
}

/**
 * Translators stamp every condition with `now()`, but a condition's lastTransitionTime
 * must only move when its status does (metav1.Condition): take it from `previous` then.
 * Entries are matched by condition type, listener name or parentRef.
 */
export function keepTransitionTimes(next, previous) {
  if (Array.isArray(next)) {
    const same = (a, b) =>
      ['type', 'name', 'parentRef', 'ancestorRef'].some((k) => k in b && JSON.stringify(a?.[k]) === JSON.stringify(b[k]));
    return next.map((item) => keepTransitionTimes(item, Array.isArray(previous) ? previous.find((p) => same(p, item)) : undefined));
  }
  if (next === null || typeof next !== 'object') return next;
  const out = Object.fromEntries(Object.entries(next).map(([key, value]) => [key, keepTransitionTimes(value, previous?.[key])]));
  if ('lastTransitionTime' in next && previous?.status === next.status && previous?.lastTransitionTime)
    out.lastTransitionTime = previous.lastTransitionTime;
  return out;
}
