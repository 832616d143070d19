// The cluster half of `serve` (loaded only in cluster mode): the connection, the live
// source of translations, and, with --write-status, the Lease-gated status publisher.
import type { ClusterFlags, ServeFlags } from '../args/args.js';
import { connectCluster } from '../cluster/cluster-connection.js';
import { clusterModelSource } from './cluster-model-source.js';
import type { Logger } from '../log/log.js';
import type { ModelSource } from './model-source.js';
import { StatusPublisher } from '../cluster/status-publisher.js';

export interface ClusterServe {
  source: ModelSource;
  publisher: StatusPublisher | undefined;
}

export function clusterServe(flags: ServeFlags, cluster: ClusterFlags, log: Logger, onLeading: (leading: boolean) => void): ClusterServe {
  const connection = connectCluster(cluster, 'serve');
  let publisher: StatusPublisher | undefined;
  const source = clusterModelSource(flags, connection, log, () => publisher);
  if (flags.lease) {
    publisher = new StatusPublisher({
      kubeConfig: connection.kubeConfig,
      lease: flags.lease,
      currentObject: (ref) => source.watch?.store.get(ref),
      log,
      onLeading,
    });
  }
  return { source, publisher };
}
