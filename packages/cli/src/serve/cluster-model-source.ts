// `serve --kubeconfig` (or in a pod): @kupstream/cluster's controller loop. Informers keep
// a live snapshot, translated again after every burst of changes (debounced); with
// --write-status the replica holding the Lease writes the statuses back, handshake verdicts
// joined in (translated again when they change).
import { performance } from 'node:perf_hooks';
import { createController, LEADER_ELECTION_DEFAULTS, type Controller, type StatusWriteMode } from '@kupstream/cluster';
import { buildUpstreamEndpoints, toStableJson, type UpstreamEndpointMap } from '@kupstream/core';
import type { ServeFlags } from '../args/args.js';
import { defaultLeaseNamespace, type ClusterConnection } from '../cluster/cluster-connection.js';
import { describeStatusReport } from '../cluster/status-report.js';
import type { Logger } from '../log/log.js';
import { servedCount } from '../translate/diagnostics-summary.js';
import { translateSnapshot } from '../translate/translate-model.js';
import { reportDiagnostics } from './file-model-source.js';
import type { ModelSource, StatusJoin } from './model-source.js';

/** Quiet time after the last watch event before translating again (a Helm upgrade is a burst). */
export const CLUSTER_DEBOUNCE_MS = 200;

export function clusterModelSource(
  flags: ServeFlags,
  connection: ClusterConnection,
  log: Logger,
  onLeading: (leading: boolean) => void,
  /** Joined to each translation before its statuses are written (serve's handshake verdicts). */
  join: StatusJoin = (result) => result,
): ModelSource {
  let controller: Controller | undefined;
  // In a cluster a Gateway of a class we do not see belongs to another controller.
  const settings = { ...flags, assumeClassesWhenAbsent: false };
  return {
    start(apply) {
      log.line(`watching the cluster of ${connection.source}`);
      let served: string | undefined;
      let started = 0;
      let endpoints: UpstreamEndpointMap = {};
      controller = createController({
        kubeConfig: connection.kubeConfig,
        debounceMs: CLUSTER_DEBOUNCE_MS,
        onProgress: (message) => log.line(message),
        onError: (error) => log.warn(error.message),
        translate: (snapshot) => {
          started = performance.now();
          const result = translateSnapshot(snapshot, settings);
          // EndpointSlices stay beside the model: pods coming and going change no upstream and no status.
          endpoints = buildUpstreamEndpoints(snapshot, result.upstreams, { defaultNamespace: flags.namespace });
          return join(result);
        },
        onResult: (result) => {
          apply({ result, endpoints, translationMs: performance.now() - started });
          // Our own status writes come back as watch events: only a different model is news.
          const model = toStableJson({ ...result, statuses: [] });
          if (served !== undefined && model !== served) {
            log.line(`the cluster changed: serving ${servedCount(result)}`);
            reportDiagnostics(log, result);
          } else if (served === undefined) reportDiagnostics(log, result);
          served = model;
        },
        writeStatus: statusWriting(flags, connection, log, onLeading),
      });
      if (controller.leaseIdentity) {
        const lease = leaseOf(flags, connection);
        log.line(`campaigning for Lease ${lease.namespace}/${lease.leaseName} as ${controller.leaseIdentity}`);
      }
      return controller.synced;
    },
    refresh() {
      controller?.resync();
    },
    async close() {
      await controller?.close();
    },
  };
}

function leaseOf(flags: ServeFlags, connection: ClusterConnection): { namespace: string; leaseName: string } {
  return {
    namespace: flags.lease?.namespace ?? defaultLeaseNamespace(connection.kubeConfig),
    leaseName: flags.lease?.name ?? LEADER_ELECTION_DEFAULTS.leaseName,
  };
}

/** --write-status: the Lease holder writes, and says so; without it nothing is written. */
function statusWriting(
  flags: ServeFlags,
  connection: ClusterConnection,
  log: Logger,
  onLeading: (leading: boolean) => void,
): StatusWriteMode {
  if (!flags.lease) return false;
  const lease = leaseOf(flags, connection);
  const named = `Lease ${lease.namespace}/${lease.leaseName}`;
  return {
    lease,
    onLeading: (leading) => {
      if (leading) log.line(`leading (${named}): this replica writes statuses`, { leader: true });
      else log.line(`no longer leading (${named}): statuses are left to the leader`, { leader: false });
      onLeading(leading);
    },
    onNewLeader: (identity) => log.line(`the leader is ${identity}`),
    onReport: (report) => log.line(describeStatusReport(report)),
    onWriteError: (failure) => log.warn(`status not written: ${failure.message}`),
    onElectionError: (error) => log.warn(`leader election: ${error.message}`),
  };
}
