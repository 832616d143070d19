// `kupstream serve`: translations (from files or a cluster) handed to the agent's proxy,
// served on the HTTP listeners (--listen and each --gateway-port) and one TCP listener per L4
// endpoint, with the optional admin server beside them, until the signal;
// then a graceful stop (Lease released at once, in-flight requests drained).
import type { AddressInfo } from 'node:net';
import { createProxy, drainListeners, FrontendTls, L4Listeners, ListenerSet, TlsConnections } from '@kupstream/agent';
import { CredentialStore } from '@kupstream/core';
import { createTranslationResult } from '@kupstream/core/building-blocks';
import type { ServeFlags } from '../args/args.js';
import type { AdminRuntime } from '@kupstream/admin';
import { servedCount } from '../translate/diagnostics-summary.js';
import { asStartupError, StartupError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { fileModelSource } from './file-model-source.js';
import { createHandshakePublisher } from './handshake-publisher.js';
import { SERVE_LISTENER_LABELS } from './listener-labels.js';
import { writeOut, type CliIo } from '../io.js';
import type { Logger } from '../log/log.js';
import type { ModelSource, ModelUpdate } from './model-source.js';
import { resolveFromOverrides } from './resolve-overrides.js';
import { upstreamErrorLogger } from './upstream-error-log.js';

export async function runServe(flags: ServeFlags, io: CliIo, log: Logger): Promise<ExitCodeValue> {
  // --workers N: this process becomes the primary of N serving workers (node:cluster is loaded only then).
  if (flags.workers > 1) return (await import('./workers/serve-workers.js')).runServeWithWorkers(flags, io, log);
  // The cluster connection is checked first: a kubeconfig that cannot be used ends here (exit 2).
  let admin: AdminRuntime | undefined;
  let source: ModelSource;
  if (flags.cluster) {
    // Loaded only in cluster mode: @kubernetes/client-node alone takes a second to load.
    source = (await import('./serve-cluster.js')).clusterServe(flags, flags.cluster, log, (leading) => admin?.setLeader(leading));
  } else {
    source = fileModelSource(flags, io, log);
  }

  // The proxy starts empty: nothing is routed until the first translation is applied,
  // and the listener opens only after that.
  const credentials = new CredentialStore();
  const resolve = resolveFromOverrides(flags.resolve);
  // The agent's own listeners are never upstreams: that loops, or publishes the admin page.
  const denyUpstreams = { cidrs: flags.denyUpstreams, ownAddresses: () => ownAddresses(listeners, l4, admin) };
  const proxy = createProxy({
    model: createTranslationResult({ endpoints: [], upstreams: [], statuses: [], diagnostics: [] }),
    credentials,
    resolve,
    denyUpstreams,
  });
  proxy.on('upstreamError', upstreamErrorLogger(log));
  const l4Tls = new FrontendTls({ scheme: 'tls', minVersion: flags.tlsMinVersion });
  const l4 = new L4Listeners({
    labels: SERVE_LISTENER_LABELS,
    host: flags.listen.host,
    mappings: flags.l4,
    proxy,
    log,
    announce: (line) => writeOut(io.stdout, line),
    tls: l4Tls,
    gatewayPorts: flags.gatewayPorts.map((m) => m.port),
  });
  let started = false;
  let stopProber = () => undefined as void;
  let listeners: ListenerSet | undefined;
  const frontendTls = new FrontendTls({ minVersion: flags.tlsMinVersion });
  try {
    admin = flags.admin !== undefined ? await startAdminServer(flags.admin, flags.adminAllowRemote, proxy) : undefined;
    if (admin) {
      if (admin.warning) log.warn(admin.warning);
      if (flags.lease) admin.setLeader(false);
      await writeOut(io.stdout, `kupstream: admin at ${admin.url}/ (inspector, /healthz, /readyz, /metrics)\n`);
    }
    // Handshake truth: each TLS upstream dialed with its identity and trust every interval;
    // the verdicts become status conditions (shown by the admin server) and log lines.
    const publisher = createHandshakePublisher({
      probeIntervalMs: flags.probeUpstreamsMs,
      credentials,
      resolve,
      denyUpstreams,
      traffic: () => proxy.stats().traffic,
      admin: () => admin,
      log,
    });
    proxy.on('endpoint', (event) => {
      if (event.type === 'ejected')
        log.warn(`upstream ${event.upstream}: endpoint ${event.endpoint} ejected (${event.reason}${event.code ? `: ${event.code}` : ''})`);
      else if (event.type === 'readmitted') log.line(`upstream ${event.upstream}: endpoint ${event.endpoint} readmitted (${event.reason})`);
      else if (event.type === 'health-check') {
        if (event.outcome === 'rejected')
          log.warn(
            `upstream ${event.upstream}: health check of ${event.endpoint} refused: ${event.code ?? 'failed'} (a configuration error; the endpoint is not ejected)`,
          );
        publisher.refresh();
      }
    });
    stopProber = () => publisher.close();
    const apply = (update: ModelUpdate) => {
      const { result } = update;
      proxy.update(result, result.credentials);
      proxy.updateEndpoints(update.endpoints);
      // TLS listeners from the same model: new certificates take effect for new connections.
      frontendTls.update(result, result.credentials);
      l4Tls.update(result, result.credentials);
      // The proxy first: a listener opened for a new endpoint finds its route at once.
      void l4.sync(result);
      publisher.show(update);
    };
    const first = await untilAborted(source.start(apply), io.signal);
    if (first === 'aborted') {
      log.line('stopped before the first translation');
      return ExitCode.ok;
    }
    // Each listener's servers carry the agent's header, request, keep-alive and idle timeouts
    // and header size bound, so idle or half-open clients cannot hold them.
    listeners = new ListenerSet({
      labels: SERVE_LISTENER_LABELS,
      listen: flags.listen,
      gatewayPorts: flags.gatewayPorts,
      proxy,
      ...(admin
        ? { instrument: (handler) => admin!.instrument(handler), instrumentUpgrade: (handler) => admin!.instrumentUpgrade(handler) }
        : {}),
      tls: new TlsConnections(frontendTls, log),
      l4,
      log,
    });
    const urls = await listeners.start().catch((error: unknown) => Promise.reject(asStartupError(error)));
    await l4.idle();
    started = true;
    admin?.setReady(true);
    for (const { port, address } of urls.gatewayPorts)
      await writeOut(io.stdout, `kupstream: gateway listener port ${port} on ${address} (TLS while its endpoints are https://)\n`);
    await writeOut(io.stdout, `kupstream: serving ${servedCount(proxy.model)} on ${urls.listen}\n`);
    await untilAborted(new Promise<void>(() => undefined), io.signal);
  } finally {
    stopProber();
    await shutdown({ flags, log, listeners, l4, started, source, admin, proxy });
  }
  return ExitCode.ok;
}

function ownAddresses(listeners: ListenerSet | undefined, l4: L4Listeners, admin: AdminRuntime | undefined): AddressInfo[] {
  const out = [...l4.addresses(), ...(listeners?.addresses() ?? [])];
  for (const bound of [admin?.server.address()]) if (bound && typeof bound === 'object') out.push(bound);
  return out;
}

async function startAdminServer(address: string, allowNonLoopback: boolean, proxy: ReturnType<typeof createProxy>): Promise<AdminRuntime> {
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
  listeners: ListenerSet | undefined;
  l4: L4Listeners;
  started: boolean;
  source: ModelSource;
  admin: AdminRuntime | undefined;
  proxy: ReturnType<typeof createProxy>;
}

/** The Lease goes back at once (another replica takes over while we drain); traffic drains up to the timeout. */
async function shutdown({ flags, log, listeners, l4, started, source, admin, proxy }: Running): Promise<void> {
  if (started) log.line(`stopping: draining requests in flight (at most ${formatMs(flags.shutdownTimeoutMs)})`);
  admin?.setReady(false);
  // Closing a cluster source hands the Lease back at once (another replica takes over while we drain).
  const sourceClosed = source.close();
  // L4 listeners stop accepting with the HTTP one; the proxy's close ends their tunnels.
  const l4Stopped = l4.stop();
  if (started && listeners) {
    const { cut } = await drainListeners(listeners, () => proxy.close(), flags.shutdownTimeoutMs);
    if (cut) log.warn(`requests still in flight after ${formatMs(flags.shutdownTimeoutMs)} were cut`);
  } else {
    listeners?.closeAll();
    await proxy.close();
  }
  await l4Stopped;
  await l4.cut();
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
