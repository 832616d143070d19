// Everything `kupstream serve --admin` needs, wired once: the request log, metrics fed by
// the proxy's events, per-request attribution, and the admin server on its address. The
// host keeps two duties: route its traffic through `instrument()` and report each model.
import { once } from 'node:events';
import type { IncomingMessage, RequestListener } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { CredentialStore, TranslationModel } from '@kupstream/core';
import type { Logger } from 'pino';
import { createAdminServer, type AdminServer } from './admin-server.js';
import { handshakeCount, type AdminState, type VerificationFailure, type WorkerView } from './api.js';
import { assertAdminBind, parseAdminAddress, type AdminAddress } from './bind-address.js';
import { instrumentHandler } from './instrument-handler.js';
import { createMetrics, type AdminMetrics, type HandshakeFacts, type MetricsOptions, type PoolStats } from './metrics.js';
import {
  attributeProxyEvents,
  recordProxyMetrics,
  recordUpgrades,
  type ProxyEventSource,
  type ProxyUpstreamErrorEvent,
} from './proxy-events.js';
import { RequestLog, type RequestLogOptions } from './request-log.js';
import type { TrafficFacts } from './traffic-facts.js';

export interface AdminRuntimeOptions {
  /** `HOST:PORT` as given to `--admin`, or already parsed. */
  address: string | AdminAddress;
  /** The operator asked for a non-loopback address (e.g. `--admin-allow-remote`). */
  allowNonLoopback?: boolean;
  /** The agent's proxy (its 'response' and 'upstreamError' events). */
  proxy: ProxyEventSource;
  requestLog?: RequestLogOptions;
  metrics?: MetricsOptions;
  logger?: Logger;
  now?: () => Date;
  /** Read on every API call and scrape, e.g. `() => proxy.stats().upstreams`; otherwise what `setPools` last set. */
  pools?: () => readonly PoolStats[];
  /** Read on every API call and scrape, e.g. `() => proxy.stats().traffic`: endpoint health in the metrics and the inspector. */
  traffic?: () => readonly TrafficFacts[];
}

/** Upstream failures that mean the server certificate did not pass the check. */
const VERIFICATION_FAILURES = new Set([
  'certificate_untrusted',
  'certificate_expired',
  'certificate_not_yet_valid',
  'certificate_revoked',
  'hostname_mismatch',
]);

export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface AdminRuntime {
  readonly server: AdminServer;
  /** `http://host:port` the admin server listens on. */
  readonly url: string;
  /** Set when the address is not loopback: print it. */
  readonly warning: string | undefined;
  readonly requestLog: RequestLog;
  readonly metrics: AdminMetrics;
  /** Wraps the proxy's request listener so each request is recorded. */
  instrument(handler: RequestListener): RequestListener;
  /** Wraps the proxy's 'upgrade' listener so each Upgrade request is recorded too. */
  instrumentUpgrade(handler: UpgradeListener): UpgradeListener;
  /** After every translation that is now being served; `translationMs` feeds the histogram. */
  setModel(model: TranslationModel, options?: { translationMs?: number; credentials?: CredentialStore }): void;
  /** Initial sync done (files read, informers synced); /readyz also needs a model. */
  setReady(ready: boolean): void;
  setPools(pools: readonly PoolStats[]): void;
  /** The latest handshake probe verdicts (serve --probe-upstreams): metrics and the inspector's "verified" badge. */
  setHandshakes(verdicts: Iterable<HandshakeFacts>): void;
  setLeader(leading: boolean): void;
  /** The worker processes serving traffic (`serve --workers N`): `/api/status` and the worker metrics. */
  setWorkers(workers: readonly WorkerView[]): void;
  /** Stops listening to the proxy and closes the admin server. */
  close(): Promise<void>;
}

export async function startAdmin(options: AdminRuntimeOptions): Promise<AdminRuntime> {
  const address = typeof options.address === 'string' ? parseAdminAddress(options.address) : options.address;
  const warning = assertAdminBind(address.host, { allowNonLoopback: options.allowNonLoopback ?? false });
  const requestLog = new RequestLog(options.requestLog);
  const metrics = createMetrics(options.metrics);
  const attribution = attributeProxyEvents(options.proxy);
  const stopMetrics = recordProxyMetrics(options.proxy, metrics);
  const now = options.now ?? (() => new Date());
  const upgrades = recordUpgrades(options.proxy, requestLog, now);
  // The inspector's "verified" badge needs handshake results, not only the configured mode.
  const verificationFailures = new Map<string, VerificationFailure>();
  const onUpstreamError = (e: ProxyUpstreamErrorEvent) => {
    if (e.upstream === undefined || !VERIFICATION_FAILURES.has(e.error.code)) return;
    const current = (options.pools ? options.pools() : pools).find((p) => p.upstream === e.upstream);
    verificationFailures.set(e.upstream, { code: e.error.code, handshakes: handshakeCount(current), at: now().toISOString() });
  };
  options.proxy.on('upstreamError', onUpstreamError);
  const state: AdminState = { model: undefined, ready: false };
  let handshakes: ReadonlyMap<string, HandshakeFacts> | undefined;
  let pools: readonly PoolStats[] = [];
  // Kept by reference: rotations change the store without a new model.
  let credentials: CredentialStore | undefined;

  const server = createAdminServer({
    getState: () => ({
      ...state,
      pools: options.pools ? options.pools() : pools,
      ...(options.traffic ? { traffic: options.traffic() } : {}),
      verificationFailures,
      ...(handshakes ? { handshakes } : {}),
      ...(credentials ? { credentialsSummary: credentials.summary() } : {}),
    }),
    requestLog,
    metrics,
    host: address.host,
    port: address.port,
    allowNonLoopback: options.allowNonLoopback ?? false,
    ...(options.now ? { now: options.now } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
  } catch (error) {
    attribution.dispose();
    stopMetrics();
    upgrades.dispose();
    options.proxy.off('upstreamError', onUpstreamError);
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? 'the address is in use'
        : code === 'EADDRNOTAVAIL'
          ? 'the address is not local'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new Error(`cannot serve the admin page on ${address.host}:${address.port}: ${why}`, { cause: error });
  }
  const bound = server.address() as AddressInfo;
  const url = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;

  return {
    server,
    url,
    warning,
    requestLog,
    metrics,
    instrument: (handler) =>
      instrumentHandler(handler, requestLog, {
        onStart: attribution.onStart,
        routeOf: attribution.routeOf,
        ...(options.now ? { now: options.now } : {}),
      }),
    instrumentUpgrade: (handler) => upgrades.wrap(handler),
    setModel(model, extra = {}) {
      state.model = model;
      const store = extra.credentials ?? (model as { credentials?: CredentialStore }).credentials;
      credentials = store && typeof store.summary === 'function' ? store : undefined;
      metrics.setModel(model);
      if (extra.translationMs !== undefined) metrics.observeTranslation(extra.translationMs);
    },
    setReady(ready) {
      state.ready = ready;
    },
    setPools(next) {
      pools = next;
    },
    setHandshakes(verdicts) {
      const list = [...verdicts];
      handshakes = new Map(list.map((v) => [v.upstream, v]));
      // A probe that failed the certificate check counts as the latest failure, as a request's would.
      for (const v of list) {
        if (v.ok || v.code === undefined || !VERIFICATION_FAILURES.has(v.code)) continue;
        const known = verificationFailures.get(v.upstream);
        if (known && known.at > v.at) continue;
        const current = (options.pools ? options.pools() : pools).find((p) => p.upstream === v.upstream);
        verificationFailures.set(v.upstream, { code: v.code, handshakes: handshakeCount(current), at: v.at });
      }
      metrics.setHandshakes(list);
    },
    setLeader(leading) {
      metrics.setLeader(leading);
    },
    setWorkers(workers) {
      state.workers = workers.map((w) => ({ ...w }));
      metrics.setWorkers(workers);
    },
    async close() {
      attribution.dispose();
      stopMetrics();
      upgrades.dispose();
      options.proxy.off('upstreamError', onUpstreamError);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
