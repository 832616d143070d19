// The cluster half of `serve` (loaded only in cluster mode): the connection and the live
// source of translations (which, with --write-status, writes statuses as the Lease holder).
import type { ClusterFlags, ServeFlags } from '../args/args.js';
import { connectCluster } from '../cluster/cluster-connection.js';
import type { Logger } from '../log/log.js';
import { clusterModelSource } from './cluster-model-source.js';
import type { ModelSource, StatusJoin } from './model-source.js';

export function clusterServe(
  flags: ServeFlags,
  cluster: ClusterFlags,
  log: Logger,
  onLeading: (leading: boolean) => void,
  join?: StatusJoin,
): ModelSource {
  return clusterModelSource(flags, connectCluster(cluster, 'serve'), log, onLeading, join);
}
