// `--write-status`: PATCHes the `status` subresource of each object the translators
// produced a status for, only when that changes something, and never throws out of
// the host's loop: every failure is reported and the next translation tries again.
import type { KubeObject, ResourceStatus, StoredObjectRef } from '@kupstream/core';
import { isRecord } from '@kupstream/core/building-blocks';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError, kubeApiOf, type KubeApi } from './api-client.js';
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import type { ResourceKind } from '@kupstream/core';
import { objectPath, resourceName, resourceTypeFor } from './resources.js';
import { applyMergePatch, canonical, stabilizeStatus } from './status-merge.js';

export interface StatusWriteFailure {
  ref: StoredObjectRef;
  /** HTTP status of the last attempt; 0 when no answer came or nothing was sent. */
  statusCode: number;
  message: string;
}

export interface StatusWriteReport {
  written: StoredObjectRef[];
  unchanged: StoredObjectRef[];
  failed: StatusWriteFailure[];
}

export interface StatusWriterOptions {
  /**
   * The object as the informers last saw it (e.g. `clusterWatch.store.get`), to compare
   * with its current `.status` and to send its resourceVersion. When it returns
   * undefined the writer GETs the object.
   */
  currentObject?: (ref: StoredObjectRef) => KubeObject | undefined;
  /** Each failure, as it happens (also in the report). */
  onError?: (failure: StatusWriteFailure) => void;
  /** Attempts after the first on a conflict, a 429/5xx or a lost connection; default 4. */
  retries?: number;
  /** Between retries; default 100 ms doubling to 2 s. */
  backoff?: BackoffOptions;
  /** PATCHes in flight at once; default 4. */
  concurrency?: number;
}

interface Written {
  uid: string | undefined;
  status: Record<string, unknown>;
}

type Attempt =
  | { outcome: 'written' }
  | { outcome: 'unchanged' }
  | { outcome: 'retry'; error: ApiError; wait: boolean }
  | { outcome: 'failed'; error: ApiError };

/**
 * Remembers what it wrote per object (and the object's uid, so a re-created object is
 * written again). `write()` takes the complete set of statuses of one translation;
 * objects missing from it are forgotten. Calls are serialized.
 */
export class StatusWriter {
  readonly #api: KubeApi;
  readonly #options: StatusWriterOptions;
  readonly #written = new Map<string, Written>();
  readonly #abort = new AbortController();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(kubeConfig: KubeConfig | KubeApi, options: StatusWriterOptions = {}) {
    this.#api = kubeApiOf(kubeConfig);
    this.#options = options;
  }

  /** Writes what changed; resolves with what happened to each status (never rejects). */
  write(statuses: readonly ResourceStatus[]): Promise<StatusWriteReport> {
    const run = this.#queue.then(() => this.#writeAll(statuses));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Cuts retry waits short; writes after this fail at their first retry. */
  close(): void {
    this.#abort.abort();
  }

  async #writeAll(statuses: readonly ResourceStatus[]): Promise<StatusWriteReport> {
    const report: StatusWriteReport = { written: [], unchanged: [], failed: [] };
    const keys = new Set<string>();
    const queue = [...statuses];
    const worker = async (): Promise<void> => {
      for (let status = queue.shift(); status; status = queue.shift()) {
        const ref: StoredObjectRef = {
          apiVersion: status.apiVersion,
          kind: status.kind,
          ...(status.namespace ? { namespace: status.namespace } : {}),
          name: status.name,
        };
        const type = resourceTypeFor(status.apiVersion, status.kind);
        if (!type?.statusWritten) {
          this.#fail(report, { ref, statusCode: 0, message: `kupstream does not write the status of ${status.apiVersion} ${status.kind}` });
          continue;
        }
        const key = `${type.group}/${type.plural}/${type.scope === 'Namespaced' ? (status.namespace ?? 'default') : ''}/${status.name}`;
        keys.add(key);
        try {
          const outcome = await this.#writeOne(type, key, ref, status);
          if (outcome === 'written') report.written.push(ref);
          else if (outcome === 'unchanged') report.unchanged.push(ref);
          else this.#fail(report, { ref, statusCode: outcome.statusCode, message: outcome.message });
        } catch (error) {
          // A bug of ours must not stop the other writes, nor the host's loop.
          this.#fail(report, { ref, statusCode: 0, message: error instanceof Error ? error.message : String(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.#options.concurrency ?? 4) }, worker));
    for (const key of this.#written.keys()) if (!keys.has(key)) this.#written.delete(key);
    return report;
  }

  async #writeOne(
    type: ResourceKind,
    key: string,
    ref: StoredObjectRef,
    status: ResourceStatus,
  ): Promise<'written' | 'unchanged' | ApiError> {
    const version = status.apiVersion.slice(status.apiVersion.lastIndexOf('/') + 1);
    const path = objectPath(type, version, status.namespace, status.name);
    const backoff = new Backoff({ initialMs: 100, maxMs: 2_000, ...this.#options.backoff });
    const retries = this.#options.retries ?? 4;
    let fromInformer = true;
    for (let attempt = 0; ; attempt++) {
      const result = await this.#attempt(key, path, status, fromInformer ? this.#options.currentObject?.(ref) : undefined);
      if (result.outcome === 'written' || result.outcome === 'unchanged') return result.outcome;
      if (result.outcome === 'failed') {
        if (result.error.statusCode === 404) this.#written.delete(key);
        return new ApiError(
          `${resourceName(type)} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}: ${result.error.message}`,
          result.error.statusCode,
          result.error.reason,
        );
      }
      if (attempt >= retries)
        return new ApiError(
          `${resourceName(type)} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}: gave up after ${attempt + 1} attempts: ${result.error.message}`,
          result.error.statusCode,
          result.error.reason,
        );
      // After a conflict the informer's copy is known stale: read the object itself.
      fromInformer = false;
      if (result.wait) await sleep(backoff.next(), this.#abort.signal);
      if (this.#abort.signal.aborted) return new ApiError('the status writer was closed', 0);
    }
  }

  async #attempt(key: string, path: string, status: ResourceStatus, known: KubeObject | undefined): Promise<Attempt> {
    let current: Record<string, unknown>;
    try {
      current = (known as Record<string, unknown> | undefined) ?? asObject(await this.#api.request('GET', path));
    } catch (error) {
      return classify(error);
    }
    const meta = isRecord(current.metadata) ? current.metadata : {};
    const uid = typeof meta.uid === 'string' ? meta.uid : undefined;
    const remembered = this.#written.get(key);
    const mine = remembered && (remembered.uid === undefined || uid === undefined || remembered.uid === uid) ? remembered : undefined;
    const desired = stabilizeStatus(status.status, mine?.status ?? current.status, current.status);
    if (mine && canonical(mine.status) === canonical(desired)) return { outcome: 'unchanged' };
    const before = isRecord(current.status) ? current.status : {};
    if (canonical(applyMergePatch(before, desired)) === canonical(before)) {
      this.#written.set(key, { uid, status: desired });
      return { outcome: 'unchanged' };
    }
    // The resourceVersion makes the patch conditional: if someone else changed the object
    // since we read it (their parent entries, say), we get 409 and merge again.
    const body = {
      ...(typeof meta.resourceVersion === 'string' && meta.resourceVersion !== ''
        ? { metadata: { resourceVersion: meta.resourceVersion } }
        : {}),
      status: desired,
    };
    try {
      await this.#api.request('PATCH', `${path}/status`, { body, contentType: 'application/merge-patch+json' });
    } catch (error) {
      return classify(error);
    }
    this.#written.set(key, { uid, status: desired });
    return { outcome: 'written' };
  }

  #fail(report: StatusWriteReport, failure: StatusWriteFailure): void {
    report.failed.push(failure);
    try {
      this.#options.onError?.(failure);
    } catch {
      // The report still carries it.
    }
  }
}

function classify(error: unknown): Attempt {
  const apiError = error instanceof ApiError ? error : new ApiError(error instanceof Error ? error.message : String(error), 0);
  const code = apiError.statusCode;
  if (code === 409) return { outcome: 'retry', error: apiError, wait: false };
  if (code === 0 || code === 429 || code >= 500) return { outcome: 'retry', error: apiError, wait: true };
  return { outcome: 'failed', error: apiError };
}

function asObject(value: unknown): Record<string, unknown> {
  if (!isRecord(value)) throw new ApiError('the API server answered with something that is not an object', 200);
  return value;
}
