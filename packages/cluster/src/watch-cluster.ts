// `kupstream serve --kubeconfig`: a live snapshot of every kind the translators read,
// kept by one list+watch informer per kind, handed to the host (debounced) whenever it
// changes — and only once every kind has been listed, so the first translation never
// sees a half-loaded cluster (a Gateway without its Secret would get a false error status).
import { SnapshotStore, type ClusterSnapshot } from '@kupstream/core';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeApiOf, type KubeApi } from './api-client.js';
import type { BackoffOptions } from './backoff.js';
import { Debouncer } from './debounce.js';
import { ResourceInformer } from './resource-informer.js';
import { RESOURCES } from '@kupstream/core';

export interface ChangeInfo {
  /** The store version this snapshot reflects. */
  version: number;
  /** `initial` after the first full listing, `change` after watch events, `resync` on the periodic re-delivery. */
  reason: 'initial' | 'change' | 'resync';
}

export interface WatchClusterOptions {
  /** Called with each new snapshot, never concurrently with itself; errors it throws go to `onError`. */
  onChange: (snapshot: ClusterSnapshot, info: ChangeInfo) => void | Promise<void>;
  /** Quiet time after the last change before `onChange`; default 200 ms. */
  debounceMs?: number;
  /** Longest delay from the first change of a burst; default 10 × debounceMs. */
  maxDelayMs?: number;
  /**
   * Re-delivers the unchanged snapshot this often (default 5 min; 0: never), because
   * translation depends on the clock too: a client certificate that expires must turn
   * into a status condition without waiting for an unrelated change.
   */
  resyncMs?: number;
  onProgress?: (message: string) => void;
  /** Watch failures (before each reconnect), list failures, errors thrown by `onChange`. */
  onError?: (error: Error) => void;
  backoff?: BackoffOptions;
  watchTimeoutSeconds?: number;
  /** How often a kind the cluster does not serve is looked for again; default 60 s. */
  absentRetryMs?: number;
  pageSize?: number;
  /** Feed this store instead of a new one. */
  store?: SnapshotStore;
}

export interface ClusterWatch {
  /** The live objects; the status writer reads the current `.status` from it. */
  readonly store: SnapshotStore;
  /** Resolves when every kind has been listed once (or found not served). */
  readonly synced: Promise<void>;
  /** Re-delivers the unchanged snapshot now, as the periodic resync does (after the first sync; else nothing). */
  resync(): void;
  /** Stops every watch and timer, after the `onChange` in progress (if any) returns. */
  close(): Promise<void>;
}

/** Starts watching at once; returns immediately. */
export function watchCluster(kubeConfig: KubeConfig | KubeApi, options: WatchClusterOptions): ClusterWatch {
  const api = kubeApiOf(kubeConfig);
  const store = options.store ?? new SnapshotStore();
  const onError = options.onError ?? (() => undefined);
  const onProgress = options.onProgress ?? (() => undefined);
  const debounceMs = options.debounceMs ?? 200;
  let closed = false;
  let isSynced = false;
  let running: Promise<void> | undefined;
  let queued: ChangeInfo['reason'] | undefined;

  const deliver = (reason: ChangeInfo['reason']): void => {
    if (closed) return;
    if (running) {
      // Coalesce: whatever arrives while the host works becomes one later call.
      if (queued !== 'change' && queued !== 'initial') queued = reason;
      return;
    }
    running = (async () => {
      for (let next: ChangeInfo['reason'] | undefined = reason; next !== undefined && !closed;) {
        queued = undefined;
        try {
          await options.onChange(store.snapshot(), { version: store.version, reason: next });
        } catch (error) {
          onError(error instanceof Error ? error : new Error(String(error)));
        }
        next = queued;
      }
    })().finally(() => {
      running = undefined;
    });
  };

  const debouncer = new Debouncer(() => deliver('change'), debounceMs, options.maxDelayMs ?? debounceMs * 10);
  const unsubscribe = store.subscribe(() => {
    if (isSynced) debouncer.trigger();
  });

  const informers = RESOURCES.map(
    (type) =>
      new ResourceInformer({
        api,
        type,
        store,
        onProgress,
        onError,
        ...(options.backoff ? { backoff: options.backoff } : {}),
        ...(options.watchTimeoutSeconds ? { watchTimeoutSeconds: options.watchTimeoutSeconds } : {}),
        ...(options.absentRetryMs ? { absentRetryMs: options.absentRetryMs } : {}),
        ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      }),
  );
  for (const informer of informers) informer.start();

  const resyncMs = options.resyncMs ?? 300_000;
  let resyncTimer: NodeJS.Timeout | undefined;
  const synced = Promise.all(informers.map((i) => i.synced)).then(() => {
    if (closed) return;
    isSynced = true;
    onProgress(`initial sync done: ${store.size} objects`);
    deliver('initial');
    if (resyncMs > 0) resyncTimer = setInterval(() => deliver('resync'), resyncMs);
  });

  return {
    store,
    synced,
    resync: () => {
      if (isSynced) deliver('resync');
    },
    async close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      debouncer.cancel();
      if (resyncTimer) clearInterval(resyncTimer);
      await Promise.all(informers.map((i) => i.stop()));
      await running;
    },
  };
}
