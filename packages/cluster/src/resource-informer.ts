// The list+watch loop for one resource kind, feeding a SnapshotStore. It is ours
// rather than client-node's makeInformer because that one stops for good on the first
// non-410 watch error and hands out typed objects; this loop reconnects with backoff,
// relists on 410 Gone, and keeps objects exactly as served.
import type { SnapshotStore } from '@kupstream/core';
import { isRecord } from '@kupstream/core/building-blocks';
import { ApiError, type KubeApi, type WatchEvent } from './api-client.js';
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { completeObject, listResource } from './list-resource.js';
import type { ResourceKind } from '@kupstream/core';
import { collectionPath, notServedHint, resourceName } from './resources.js';

export interface InformerOptions {
  api: KubeApi;
  type: ResourceKind;
  store: SnapshotStore;
  onProgress: (message: string) => void;
  onError: (error: Error) => void;
  backoff?: BackoffOptions;
  /** Asked of the server per watch; it ends the watch then and we resume from the last resourceVersion. Default 300. */
  watchTimeoutSeconds?: number;
  /** How often to look again for a kind the cluster does not serve (a CRD installed later). Default 60 s. */
  absentRetryMs?: number;
  pageSize?: number;
}

/** A watch that ends cleanly sooner than this, with no event, counts as a failure (no hot reconnect loop). */
const MIN_HEALTHY_WATCH_MS = 1_000;

export class ResourceInformer {
  readonly #options: InformerOptions;
  readonly #abort = new AbortController();
  readonly #backoff: Backoff;
  #resourceVersion = '';
  #version: string | undefined;
  #absentNoted = false;
  #expiredInARow = 0;
  #markSynced!: () => void;
  #loop: Promise<void> | undefined;
  /** Resolves once the kind has been listed, or found not served. */
  readonly synced: Promise<void>;

  constructor(options: InformerOptions) {
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
    this.synced = new Promise((resolve) => (this.#markSynced = resolve));
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { type, onProgress, onError } = this.#options;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        if (this.#resourceVersion === '') {
          if (!(await this.#relist())) {
            await sleep(this.#options.absentRetryMs ?? 60_000, signal);
            continue;
          }
        }
        const outcome = await this.#watchOnce();
        if (outcome === 'expired') {
          onProgress(`${resourceName(type)}: resourceVersion ${this.#resourceVersion} expired (410 Gone), listing again`);
          this.#resourceVersion = '';
          // A server that expires even a fresh list's version must not be hammered.
          if (this.#expiredInARow++ > 0) await sleep(this.#backoff.next(), signal);
          continue;
        }
        this.#expiredInARow = 0;
        if (outcome === 'idle') {
          await sleep(this.#backoff.next(), signal);
        }
      } catch (error) {
        if (signal.aborted) break;
        onError(error instanceof Error ? error : new Error(String(error)));
        await sleep(this.#backoff.next(), signal);
      }
    }
  }

  /** Lists and replaces the kind's objects in the store; false when the kind is not served. */
  async #relist(): Promise<boolean> {
    const { api, type, store, onProgress } = this.#options;
    const listed = await listResource(api, type, {
      signal: this.#abort.signal,
      onMalformed: onProgress,
      ...(this.#options.pageSize ? { pageSize: this.#options.pageSize } : {}),
    });
    if (!listed) {
      if (!this.#absentNoted)
        onProgress(`skipped ${resourceName(type)}: not served by ${api.server} (no ${type.versions.join(' or ')}; ${notServedHint(type)})`);
      this.#absentNoted = true;
      // An absent kind is empty, and must not hold up the first translation.
      store.replace(type.key, []);
      this.#markSynced();
      return false;
    }
    if (this.#absentNoted) onProgress(`${resourceName(type)} is now served (${listed.version})`);
    this.#absentNoted = false;
    store.replace(type.key, listed.items);
    this.#version = listed.version;
    this.#resourceVersion = listed.resourceVersion;
    this.#backoff.reset();
    this.#markSynced();
    return true;
  }

  /** One watch connection: 'expired' on 410, 'ended' on a healthy clean end, 'idle' on a suspiciously quick one. */
  async #watchOnce(): Promise<'expired' | 'ended' | 'idle'> {
    const { api, type } = this.#options;
    const version = this.#version ?? type.versions[0]!;
    const started = Date.now();
    let events = 0;
    let expired = false;
    let failure: ApiError | undefined;
    const onEvent = (event: WatchEvent): void => {
      events++;
      const outcome = this.#apply(event, version);
      if (outcome === 'expired') expired = true;
      else if (outcome instanceof ApiError) failure = outcome;
    };
    const timeout = this.#options.watchTimeoutSeconds ?? 300;
    try {
      await api.watch(
        collectionPath(type, version),
        // A little jitter, so the watches of all kinds do not all end together.
        {
          resourceVersion: this.#resourceVersion,
          allowWatchBookmarks: 'true',
          timeoutSeconds: String(Math.max(1, Math.round(timeout * (0.9 + Math.random() * 0.2)))),
        },
        onEvent,
        this.#abort.signal,
        // The server ends the watch at its timeout; silence well beyond it means a dead peer.
        { idleTimeoutMs: (timeout + 30) * 1000 },
      );
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 410) return 'expired';
      // The kind stopped being served (CRD removed or upgraded away): list again to find out.
      if (error instanceof ApiError && error.statusCode === 404) this.#resourceVersion = '';
      throw error;
    }
    if (expired) return 'expired';
    if (failure) throw failure;
    if (events > 0) this.#backoff.reset();
    return events === 0 && Date.now() - started < MIN_HEALTHY_WATCH_MS && !this.#abort.signal.aborted ? 'idle' : 'ended';
  }

  #apply(event: WatchEvent, version: string): 'ok' | 'expired' | ApiError {
    const { type, store, onProgress } = this.#options;
    if (event.type === 'ERROR') {
      const status = isRecord(event.object) ? event.object : {};
      const code = typeof status.code === 'number' ? status.code : 0;
      if (code === 410) return 'expired';
      return new ApiError(
        `WATCH ${resourceName(type)}: ${typeof status.message === 'string' ? status.message : 'error event'}`,
        code,
        typeof status.reason === 'string' ? status.reason : undefined,
      );
    }
    const object = isRecord(event.object) ? event.object : undefined;
    const meta = object && isRecord(object.metadata) ? object.metadata : undefined;
    if (meta && typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '') this.#resourceVersion = meta.resourceVersion;
    if (event.type === 'BOOKMARK') return 'ok';
    const complete = completeObject(object, type, version);
    if (!complete) {
      onProgress(`ignored a malformed ${event.type} event for ${resourceName(type)}`);
      return 'ok';
    }
    if (event.type === 'ADDED' || event.type === 'MODIFIED') store.upsert(complete);
    else if (event.type === 'DELETED') store.delete(complete);
    else onProgress(`ignored a watch event of unknown type ${JSON.stringify(event.type)} for ${resourceName(type)}`);
    return 'ok';
  }
}
