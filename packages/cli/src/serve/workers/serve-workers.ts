// `kupstream serve --workers N` (N > 1), the primary process: it runs the one model source
// (file watcher or cluster informers, with the Lease and the status writer), the handshake
// prober and the admin server, and N worker processes serve the listeners (see
// WorkerSupervisor of @kupstream/workers). Each model goes to every worker with the key material it needs,
// over the IPC channel only. The admin server shows every worker's traffic and pools.
import { availableParallelism } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { AdminRuntime } from '@kupstream/admin';
import { healthCheckHandshakes } from '@kupstream/agent';
import { CredentialStore } from '@kupstream/core';
import type { ServeFlags } from '../../args/args.js';
import { asStartupError, StartupError } from '../../errors.js';
import { ExitCode, type ExitCodeValue } from '../../exit-codes.js';
import { writeOut, type CliIo } from '../../io.js';
import type { Logger } from '../../log/log.js';
import { servedCount } from '../../translate/diagnostics-summary.js';
import { fileModelSource } from '../file-model-source.js';
import { createHandshakePublisher } from '../handshake-publisher.js';
import type { ModelSource, ModelUpdate } from '../model-source.js';
import { resolveFromOverrides } from '../resolve-overrides.js';
import { formatMs, untilAborted } from '../serve-command.js';
import { workerBundle } from './worker-bundle.js';
import { packModel, WorkerEndpointHealth, WorkerReports, WorkerSupervisor } from '@kupstream/workers';
import type { ServeWorkerSettings } from './serve-worker-config.js';

export async function runServeWithWorkers(flags: ServeFlags, io: CliIo, log: Logger): Promise<ExitCodeValue> {
  const exec = workerBundle();
  if (!exec)
    throw new StartupError('--workers needs the built kupstream (dist/serve-worker.js is missing beside it); run without --workers');
  const cpus = availableParallelism();
  if (flags.workers > cpus)
    log.warn(`--workers ${flags.workers} on ${cpus} CPU${cpus === 1 ? '' : 's'}: workers beyond the CPU count only compete for them`);

  let admin: AdminRuntime | undefined;
  let source: ModelSource;

  const reports = new WorkerReports();
  const health = new WorkerEndpointHealth();
  const traffic = () => health.merge(supervisor?.traffic() ?? []);
  // The prober's view of the credentials: what the workers were last sent.
  const credentials = new CredentialStore();
  const resolve = resolveFromOverrides(flags.resolve);
  const denyUpstreams = { cidrs: flags.denyUpstreams, ownAddresses: () => ownAddresses(supervisor, admin) };
  let supervisor: WorkerSupervisor<ServeWorkerSettings> | undefined;
  let started = false;
  let stopProber = () => undefined as void;
  let checkedKey = '[]';
  // The prober's verdicts and the workers' health checks, shown with each model by the admin server.
  const published = createHandshakePublisher({
    probeIntervalMs: flags.probeUpstreamsMs,
    credentials,
    resolve,
    denyUpstreams,
    traffic,
    admin: () => admin,
    log,
    onVerdictsChanged: () => source.refresh?.(),
  });
  if (flags.cluster) {
    source = (await import('../serve-cluster.js')).clusterServe(
      flags,
      flags.cluster,
      log,
      (leading) => admin?.setLeader(leading),
      // The handshake verdicts join the statuses the Lease holder writes.
      (result) => published.join(result),
    );
  } else {
    source = fileModelSource(flags, io, log);
  }
  try {
    admin =
      flags.admin !== undefined
        ? await startAdminServer(flags, reports, () => reports.pools(supervisor?.pools() ?? []), traffic)
        : undefined;
    if (admin) {
      if (admin.warning) log.warn(admin.warning);
      if (flags.lease) admin.setLeader(false);
      await writeOut(io.stdout, `kupstream: admin at ${admin.url}/ (inspector, /healthz, /readyz, /metrics)\n`);
    }
    const adminAddress = admin?.server.address();
    // L4 lines as the workers bind them, each printed once (every worker binds the same ones).
    const printed = new Set<string>();
    supervisor = new WorkerSupervisor<ServeWorkerSettings>({
      count: flags.workers,
      exec,
      config: {
        listen: flags.listen,
        gatewayPorts: flags.gatewayPorts,
        l4: flags.l4,
        tlsMinVersion: flags.tlsMinVersion,
        resolve: flags.resolve,
        denyUpstreams: flags.denyUpstreams,
        shutdownTimeoutMs: flags.shutdownTimeoutMs,
        logFormat: flags.logFormat,
        ...(adminAddress && typeof adminAddress === 'object' ? { admin: { address: adminAddress } } : {}),
      },
      log,
      onAnnounce: (line) => {
        if (printed.has(line)) return;
        printed.add(line);
        void writeOut(io.stdout, line).catch(() => undefined);
      },
      onTraffic: (slot, batch) => reports.replay(slot, batch, admin?.requestLog),
      onRetired: (_slot, pools, retiredTraffic) => {
        reports.retire(pools);
        health.retire(retiredTraffic);
      },
      // Health checks run in the workers (reported with their stats, with --admin): a changed
      // verdict on our identity or trust becomes the handshake condition, as a probe's would.
      onStats: () => {
        const key = JSON.stringify(healthCheckHandshakes(traffic()).map((v) => [v.upstream, v.ok, v.code]));
        if (key === checkedKey) return;
        checkedKey = key;
        published.refresh();
      },
      onChange: (workers) => admin?.setWorkers(workers),
    });
    stopProber = () => published.close();
    const workers = supervisor;
    const apply = (update: ModelUpdate) => {
      const { result } = update;
      credentials.replaceWith(result.credentials);
      workers.broadcast(packModel(result, update.endpoints));
      // An L4 endpoint that left the model is announced again should it come back.
      const l4 = new Set(result.endpoints.map((e) => e.url));
      for (const line of printed) if (!l4.has(/forwarding (\S+) on /.exec(line)?.[1] ?? '')) printed.delete(line);
      published.show(update);
    };
    // The workers load while the input is read; they listen once they get the first model.
    supervisor.start();
    const first = await untilAborted(source.start(apply), io.signal);
    if (first === 'aborted') {
      log.line('stopped before the first translation');
      return ExitCode.ok;
    }
    const urls = await untilAborted(
      supervisor.listening().catch((error: unknown) => Promise.reject(asStartupError(error))),
      io.signal,
    );
    if (urls === 'aborted') return ExitCode.ok;
    started = true;
    admin?.setReady(true);
    for (const { port, address } of urls.gatewayPorts)
      await writeOut(io.stdout, `kupstream: gateway listener port ${port} on ${address} (TLS while its endpoints are https://)\n`);
    const served = published.latest ? servedCount(published.latest.result) : '0 endpoints';
    await writeOut(io.stdout, `kupstream: serving ${served} on ${urls.listen} (${flags.workers} workers)\n`);
    await untilAborted(new Promise<void>(() => undefined), io.signal);
  } finally {
    stopProber();
    if (started) log.line(`stopping: draining requests in flight (at most ${formatMs(flags.shutdownTimeoutMs)})`);
    admin?.setReady(false);
    // Closing a cluster source hands the Lease back at once (another replica takes over while we drain).
    const sourceClosed = source.close();
    const { cut } = supervisor ? await supervisor.stop(flags.shutdownTimeoutMs) : { cut: false };
    if (started && cut) log.warn(`requests still in flight after ${formatMs(flags.shutdownTimeoutMs)} were cut`);
    await sourceClosed;
    await admin?.close();
    if (started) log.line('stopped');
  }
  return ExitCode.ok;
}

function ownAddresses(supervisor: WorkerSupervisor<ServeWorkerSettings> | undefined, admin: AdminRuntime | undefined): AddressInfo[] {
  const out = [...(supervisor?.addresses() ?? [])];
  const bound = admin?.server.address();
  if (bound && typeof bound === 'object') out.push(bound);
  return out;
}

async function startAdminServer(
  flags: ServeFlags,
  reports: WorkerReports,
  pools: () => ReturnType<WorkerReports['pools']>,
  traffic: () => ReturnType<WorkerEndpointHealth['merge']>,
): Promise<AdminRuntime> {
  const { startAdmin } = await import('@kupstream/admin');
  try {
    return await startAdmin({ address: flags.admin!, allowNonLoopback: flags.adminAllowRemote, proxy: reports, pools, traffic });
  } catch (error) {
    throw new StartupError(error instanceof Error ? error.message : String(error));
  }
}
