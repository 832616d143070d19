// `kupstream translate --kubeconfig` (or in a pod): one listing of every kind the
// translators read, printed like file mode; with --write-status, the statuses written back.
import { SnapshotStore, SNAPSHOT_KEYS, type ClusterSnapshot } from '@kupstream/core';
import type { ClusterFlags, TranslateFlags } from '../args/args.js';
import { ClusterAccessError, listClusterSnapshot, StatusWriter } from '@kupstream/cluster';
import { connectCluster } from '../cluster/cluster-connection.js';
import { StartupError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { Logger } from '../log/log.js';
import { describeStatusReport } from '../cluster/status-report.js';
import { printResult } from './print-result.js';
import { translateSnapshot } from './translate-model.js';

export async function translateCluster(flags: TranslateFlags, cluster: ClusterFlags, io: CliIo, log: Logger): Promise<ExitCodeValue> {
  const { kubeConfig, source } = connectCluster(cluster, 'translate');
  log.line(`listing the cluster of ${source}`);
  let snapshot: ClusterSnapshot;
  try {
    snapshot = await listClusterSnapshot(kubeConfig, {
      onProgress: (message) => log.line(message),
      ...(io.signal ? { signal: io.signal } : {}),
    });
  } catch (error) {
    if (error instanceof ClusterAccessError) throw new StartupError(error.message);
    throw error;
  }
  // In a cluster a Gateway of a class we do not see belongs to another controller.
  const result = translateSnapshot(snapshot, { ...flags, assumeClassesWhenAbsent: false });
  const code = await printResult(result, flags, io, log);
  if (!cluster.writeStatus) return code;
  // The listed objects spare the writer a GET per object.
  const listed = new SnapshotStore();
  for (const key of SNAPSHOT_KEYS) listed.replace(key, snapshot[key] ?? []);
  const writer = new StatusWriter(kubeConfig, { currentObject: (ref) => listed.get(ref) });
  const report = await writer.write(result.statuses);
  writer.close();
  for (const failure of report.failed) log.error(`status not written: ${failure.message}`);
  log.line(describeStatusReport(report));
  // Statuses that could not be written are a cluster error, like a failed listing.
  return report.failed.length ? ExitCode.badInput : code;
}
