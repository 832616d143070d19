// `serve --kubeconfig` (or in a pod): a live snapshot kept by list+watch informers,
// translated again after every burst of changes (debounced), its statuses handed to the
// status publisher when --write-status is on.
import { performance } from 'node:perf_hooks';
import { toStableJson } from '@kupstream/core';
import type { ServeFlags } from '../args/args.js';
import { watchCluster, type ClusterWatch } from '@kupstream/cluster';
import type { ClusterConnection } from '../cluster/cluster-connection.js';
import { servedCount } from '../translate/diagnostics-summary.js';
import { reportDiagnostics } from './file-model-source.js';
import type { Logger } from '../log/log.js';
import type { ModelSource } from './model-source.js';
import type { StatusPublisher } from '../cluster/status-publisher.js';
import { translateSnapshot } from '../translate/translate-model.js';

/** Quiet time after the last watch event before translating again (a Helm upgrade is a burst). */
export const CLUSTER_DEBOUNCE_MS = 200;

export interface ClusterModelSource extends ModelSource {
  /** The live watch, once started (the status publisher reads objects from its store). */
  readonly watch: ClusterWatch | undefined;
}

export function clusterModelSource(
  flags: ServeFlags,
  connection: ClusterConnection,
  log: Logger,
  publisher?: () => StatusPublisher | undefined,
): ClusterModelSource {
  let watch: ClusterWatch | undefined;
  // In a cluster a Gateway of a class we do not see belongs to another controller.
  const settings = { ...flags, assumeClassesWhenAbsent: false };
  return {
    get watch() {
      return watch;
    },
    start(apply) {
      log.line(`watching the cluster of ${connection.source}`);
      return new Promise<void>((resolve) => {
        let served: string | undefined;
        watch = watchCluster(connection.kubeConfig, {
          debounceMs: CLUSTER_DEBOUNCE_MS,
          onProgress: (message) => log.line(message),
          onError: (error) => log.warn(error.message),
          onChange: async (snapshot) => {
            const started = performance.now();
            const result = translateSnapshot(snapshot, settings);
            apply({ result, translationMs: performance.now() - started });
            // Our own status writes come back as watch events: only a different model is news.
            const model = toStableJson({ ...result, statuses: [] });
            if (served !== undefined && model !== served) {
              log.line(`the cluster changed: serving ${servedCount(result)}`);
              reportDiagnostics(log, result);
            } else if (served === undefined) reportDiagnostics(log, result);
            served = model;
            resolve();
            await publisher?.()?.publish(result.statuses);
          },
        });
      });
    },
    async close() {
      await watch?.close();
    },
  };
}
