// `kupstream translate --kubeconfig`: one LIST of every kind the translators read,
// across namespaces, into a ClusterSnapshot ordered exactly like the live store's.
import { SnapshotStore, type ClusterSnapshot } from '@kupstream/core';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError, kubeApiOf, type KubeApi } from './api-client.js';
import { listResource } from './list-resource.js';
import { RESOURCES, type ResourceKind } from '@kupstream/core';
import { notServedHint, resourceName } from './resources.js';

export interface ListClusterOptions {
  /** Progress lines (one per kind, skipped kinds, malformed objects); the CLI prints them on stderr. */
  onProgress?: (message: string) => void;
  /** Items per LIST page. */
  pageSize?: number;
  signal?: AbortSignal;
}

/** Raised when the cluster cannot be listed (unreachable, unauthorized, forbidden). */
export class ClusterAccessError extends Error {
  override readonly name = 'ClusterAccessError';
}

/** Lists at most this many kinds at once: enough to hide latency, gentle on the API server. */
const PARALLEL_LISTS = 4;

/**
 * Lists every kind of `RESOURCES`. A kind whose API is not served (its CRD is
 * not installed: 404) is skipped with a progress note; any other failure rejects with
 * a ClusterAccessError naming the resource.
 */
export async function listClusterSnapshot(kubeConfig: KubeConfig | KubeApi, options: ListClusterOptions = {}): Promise<ClusterSnapshot> {
  const api = kubeApiOf(kubeConfig);
  const progress = options.onProgress ?? (() => undefined);
  const store = new SnapshotStore();
  const queue = [...RESOURCES];
  // The first failure ends the whole listing: the other lists in flight are abandoned.
  const failed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal;
  const worker = async (): Promise<void> => {
    for (let type = queue.shift(); type && !signal.aborted; type = queue.shift()) {
      const listed = await listResource(api, type, {
        ...(options.pageSize ? { pageSize: options.pageSize } : {}),
        signal,
        onMalformed: progress,
      }).catch((error: unknown) => {
        failed.abort();
        throw accessError(api, type, error);
      });
      if (!listed) {
        progress(`skipped ${resourceName(type)}: not served by ${api.server} (no ${type.versions.join(' or ')}; ${notServedHint(type)})`);
        continue;
      }
      store.replace(type.key, listed.items);
      progress(`listed ${listed.items.length} ${resourceName(type)} (${listed.version})`);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_LISTS }, worker));
  return store.snapshot();
}

function accessError(api: KubeApi, type: ResourceKind, error: unknown): Error {
  if (!(error instanceof ApiError)) return error instanceof Error ? error : new Error(String(error));
  const what = `list ${resourceName(type)} across namespaces`;
  if (error.statusCode === 401) return new ClusterAccessError(`${api.server} did not accept the kubeconfig's credentials (401) to ${what}`);
  if (error.statusCode === 403)
    return new ClusterAccessError(`not allowed to ${what} (403): bind the ClusterRole in deploy/rbac/clusterrole.yaml to this identity`);
  if (error.statusCode === 0) return new ClusterAccessError(`cannot reach ${api.server} to ${what}: ${error.message}`);
  return new ClusterAccessError(`cannot ${what}: ${error.message}`);
}
