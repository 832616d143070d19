// `kupstream serve`: translations (from files or a cluster) handed to the agent's proxy,
// served on the HTTP listeners (--listen and each --gateway-port) and one TCP listener per L4
// endpoint, with the optional admin server beside them, until the signal;
// then a graceful stop (Lease released at once, in-flight requests drained).
import type { AddressInfo } from 'node:net';
import type { Proxy } from '@kupstream/agent';
import { CredentialStore } from '@kupstream/core';
import type { ServeFlags } from '../args/args.js';
import type { AdminRuntime } from '@kupstream/admin';
import { servedCount } from '../translate/diagnostics-summary.js';
import { StartupError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { fileModelSource } from './file-model-source.js';
import { createHandshakePublisher, type HandshakePublisher } from './handshake-publisher.js';
import { ServeDataPlane } from './data-plane.js';
import { writeOut, type CliIo } from '../io.js';
import type { Logger } from '../log/log.js';
import type { ModelSource, ModelUpdate } from './model-source.js';
import { resolveFromOverrides } from './resolve-overrides.js';

export async function runServe(flags: ServeFlags, io: CliIo, log: Logger): Promise<ExitCodeValue> {
  // --workers N: this process becomes the primary of N serving workers (node:cluster is loaded only then).
  if (flags.workers > 1) return (await import('./workers/serve-workers.js')).runServeWithWorkers(flags, io, log);
  // The cluster connection is checked first: a kubeconfig that cannot be used ends here (exit 2).
  let admin: AdminRuntime | undefined;
  let source: ModelSource;
  let publisher: HandshakePublisher | undefined;
  if (flags.cluster) {
    // Loaded only in cluster mode: @kubernetes/client-node alone takes a second to load.
    source = (await import('./serve-cluster.js')).clusterServe(
      flags,
      flags.cluster,
      log,
      (leading) => admin?.setLeader(leading),
      // The handshake verdicts join the statuses the Lease holder writes.
      (result) => publisher?.join(result) ?? result,
    );
  } else {
    source = fileModelSource(flags, io, log);
  }

  const credentials = new CredentialStore();
  const plane = new ServeDataPlane({
    ...flags,
    credentials,
    ownAddresses: () => ownAddresses(admin),
    announce: (line) => writeOut(io.stdout, line),
    log,
  });
  const { proxy } = plane;
  let started = false;
  let stopProber = () => undefined as void;
  try {
    admin = flags.admin !== undefined ? await startAdminServer(flags.admin, flags.adminAllowRemote, proxy) : undefined;
    if (admin) {
      if (admin.warning) log.warn(admin.warning);
      if (flags.lease) admin.setLeader(false);
      await writeOut(io.stdout, `kupstream: admin at ${admin.url}/ (inspector, /healthz, /readyz, /metrics)\n`);
    }
    // Handshake truth: each TLS upstream dialed with its identity and trust every interval;
    // the verdicts become status conditions (shown by the admin server) and log lines.
    const published = createHandshakePublisher({
      probeIntervalMs: flags.probeUpstreamsMs,
      credentials,
      resolve: resolveFromOverrides(flags.resolve),
      denyUpstreams: { cidrs: flags.denyUpstreams, ownAddresses: () => [...plane.addresses(), ...ownAddresses(admin)] },
      traffic: () => proxy.stats().traffic,
      admin: () => admin,
      log,
      onVerdictsChanged: () => source.refresh?.(),
    });
    publisher = published;
    proxy.on('endpoint', (event) => {
      if (event.type === 'ejected')
        log.warn(`upstream ${event.upstream}: endpoint ${event.endpoint} ejected (${event.reason}${event.code ? `: ${event.code}` : ''})`);
      else if (event.type === 'readmitted') log.line(`upstream ${event.upstream}: endpoint ${event.endpoint} readmitted (${event.reason})`);
      else if (event.type === 'health-check') {
        if (event.outcome === 'rejected')
          log.warn(
            `upstream ${event.upstream}: health check of ${event.endpoint} refused: ${event.code ?? 'failed'} (a configuration error; the endpoint is not ejected)`,
          );
        published.refresh();
      }
    });
    stopProber = () => published.close();
    const apply = (update: ModelUpdate) => {
      void plane.apply(update);
      published.show(update);
    };
    const first = await untilAborted(source.start(apply), io.signal);
    if (first === 'aborted') {
      log.line('stopped before the first translation');
      return ExitCode.ok;
    }
    const urls = await plane.listen(
      admin
        ? { instrument: (handler) => admin!.instrument(handler), instrumentUpgrade: (handler) => admin!.instrumentUpgrade(handler) }
        : undefined,
    );
    started = true;
    admin?.setReady(true);
    for (const { port, address } of urls.gatewayPorts)
      await writeOut(io.stdout, `kupstream: gateway listener port ${port} on ${address} (TLS while its endpoints are https://)\n`);
    await writeOut(io.stdout, `kupstream: serving ${servedCount(proxy.model)} on ${urls.listen}\n`);
    await untilAborted(new Promise<void>(() => undefined), io.signal);
  } finally {
    stopProber();
    await shutdown({ flags, log, plane, started, source, admin });
  }
  return ExitCode.ok;
}

/** The admin server's address: never an upstream either. */
function ownAddresses(admin: AdminRuntime | undefined): AddressInfo[] {
  const bound = admin?.server.address();
  return bound && typeof bound === 'object' ? [bound] : [];
}

async function startAdminServer(address: string, allowNonLoopback: boolean, proxy: Proxy): Promise<AdminRuntime> {
  // Loaded only with --admin (prom-client, pino, the page).
  const { startAdmin } = await import('@kupstream/admin');
  try {
    return await startAdmin({
      address,
      allowNonLoopback,
      proxy,
      pools: () => proxy.stats().upstreams,
      traffic: () => proxy.stats().traffic,
    });
  } catch (error) {
    // A malformed or refused address, or one in use: each message says which and what to do.
    throw new StartupError(error instanceof Error ? error.message : String(error));
  }
}

interface Running {
  flags: ServeFlags;
  log: Logger;
  plane: ServeDataPlane;
  started: boolean;
  source: ModelSource;
  admin: AdminRuntime | undefined;
}

/** The Lease goes back at once (another replica takes over while we drain); traffic drains up to the timeout. */
async function shutdown({ flags, log, plane, started, source, admin }: Running): Promise<void> {
  if (started) log.line(`stopping: draining requests in flight (at most ${formatMs(flags.shutdownTimeoutMs)})`);
  admin?.setReady(false);
  // Closing a cluster source hands the Lease back at once (another replica takes over while we drain).
  const sourceClosed = source.close();
  const { cut } = await plane.stop(started);
  if (cut) log.warn(`requests still in flight after ${formatMs(flags.shutdownTimeoutMs)} were cut`);
  await sourceClosed;
  await admin?.close();
  if (started) log.line('stopped');
}

export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** `work`'s outcome, or 'aborted' as soon as the signal fires (serve's stop). */
export async function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | 'aborted'> {
  if (!signal) return work; // no way to be stopped: serve until the process ends
  if (signal.aborted) return 'aborted';
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}
