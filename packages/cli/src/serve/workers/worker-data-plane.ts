// What one worker of `serve --workers N` serves: the agent's proxy on the model the primary
// sent, the HTTP listeners (--listen, --gateway-port) and the L4 listeners, bound on the
// ports every worker shares (node:cluster hands each connection to one of them). The same
// pieces as a single-process serve, wired the same way; traffic is recorded for the
// primary's admin server when it runs one.
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createProxy,
  drainListeners,
  FrontendTls,
  L4Listeners,
  ListenerSet,
  TlsConnections,
  type Proxy,
  type UpgradeListener,
} from '@kupstream/agent';
import type { TranslationResult, UpstreamEndpointMap } from '@kupstream/core';
import { createTranslationResult } from '@kupstream/core/building-blocks';
import type { TrafficFacts } from '@kupstream/admin';
import type { Logger } from '../../log/log.js';
import { asStartupError } from '../../errors.js';
import { SERVE_LISTENER_LABELS } from '../listener-labels.js';
import { resolveFromOverrides } from '../resolve-overrides.js';
import { upstreamErrorLogger } from '../upstream-error-log.js';
import type { PoolReport, WorkerConfig, WorkerMessage } from './worker-messages.js';
import { WorkerTraffic } from './worker-traffic.js';

interface Instrumentation {
  instrument: (handler: RequestListener) => RequestListener;
  instrumentUpgrade: (handler: UpgradeListener) => UpgradeListener;
  close(): void;
}

export class WorkerDataPlane {
  readonly proxy: Proxy;
  readonly #config: WorkerConfig;
  readonly #log: Logger;
  readonly #send: (message: WorkerMessage) => void;
  readonly #frontendTls: FrontendTls;
  readonly #l4Tls: FrontendTls;
  readonly #l4: L4Listeners;
  #listeners: ListenerSet | undefined;
  #instrumentation: Instrumentation | undefined;

  private constructor(config: WorkerConfig, log: Logger, send: (message: WorkerMessage) => void) {
    this.#config = config;
    this.#log = log;
    this.#send = send;
    const denyUpstreams = { cidrs: config.denyUpstreams, ownAddresses: () => this.addresses(true) };
    // Empty until the first model: the listeners open only after it is applied.
    this.proxy = createProxy({
      model: createTranslationResult({ endpoints: [], upstreams: [], statuses: [], diagnostics: [] }),
      resolve: resolveFromOverrides(config.resolve),
      denyUpstreams,
    });
    this.proxy.on('upstreamError', upstreamErrorLogger(log));
    this.#frontendTls = new FrontendTls({ minVersion: config.tlsMinVersion });
    this.#l4Tls = new FrontendTls({ scheme: 'tls', minVersion: config.tlsMinVersion });
    this.#l4 = new L4Listeners({
      labels: SERVE_LISTENER_LABELS,
      host: config.listen.host,
      mappings: config.l4,
      proxy: this.proxy,
      log,
      // Every worker binds the same L4 listeners: the primary prints each line once.
      announce: async (line) => send({ type: 'announce', line }),
      tls: this.#l4Tls,
      gatewayPorts: config.gatewayPorts.map((m) => m.port),
    });
  }

  static async create(config: WorkerConfig, log: Logger, send: (message: WorkerMessage) => void): Promise<WorkerDataPlane> {
    const plane = new WorkerDataPlane(config, log, send);
    if (config.admin) {
      // Loaded only with --admin, as in a single-process serve.
      const admin = await import('@kupstream/admin');
      const redacted = admin.redactedHeaderSet();
      const traffic = new WorkerTraffic({ proxy: plane.proxy, send, redact: (headers) => admin.redactHeaders(headers, redacted) });
      const attribution = admin.attributeProxyEvents(plane.proxy);
      const upgrades = admin.recordUpgrades(plane.proxy, traffic, () => new Date());
      plane.#instrumentation = {
        instrument: (handler) => admin.instrumentHandler(handler, traffic, { onStart: attribution.onStart, routeOf: attribution.routeOf }),
        instrumentUpgrade: (handler) => upgrades.wrap(handler),
        close: () => {
          traffic.close();
          attribution.dispose();
          upgrades.dispose();
        },
      };
    }
    return plane;
  }

  /** A new model: the proxy first, so a listener opened for a new endpoint finds its route at once. */
  apply(result: TranslationResult, serviceEndpoints: UpstreamEndpointMap): void {
    this.proxy.update(result, result.credentials);
    this.proxy.updateEndpoints(serviceEndpoints);
    this.#frontendTls.update(result, result.credentials);
    this.#l4Tls.update(result, result.credentials);
    void this.#l4.sync(result).then(() => this.#send({ type: 'addresses', addresses: this.addresses(false) }));
  }

  /** Binds the HTTP listeners (after the first model); resolves with their URLs. */
  async listen(): Promise<{ listen: string; gatewayPorts: { port: number; address: string }[] }> {
    const instrumentation = this.#instrumentation;
    this.#listeners = new ListenerSet({
      labels: SERVE_LISTENER_LABELS,
      listen: this.#config.listen,
      gatewayPorts: this.#config.gatewayPorts,
      proxy: this.proxy,
      ...(instrumentation ? { instrument: instrumentation.instrument, instrumentUpgrade: instrumentation.instrumentUpgrade } : {}),
      tls: new TlsConnections(this.#frontendTls, this.#log),
      l4: this.#l4,
      log: this.#log,
    });
    const urls = await this.#listeners.start().catch((error: unknown) => Promise.reject(asStartupError(error)));
    await this.#l4.idle();
    return urls;
  }

  /** The addresses bound (and, for the deny list, the admin server's: never an upstream either). */
  addresses(withAdmin: boolean): AddressInfo[] {
    const out = [...this.#l4.addresses(), ...(this.#listeners?.addresses() ?? [])];
    if (withAdmin && this.#config.admin) out.push(this.#config.admin.address);
    return out;
  }

  pools(): PoolReport[] {
    return this.proxy.stats().upstreams.map(({ upstream, active, idle, handshakes }) => ({
      upstream,
      active,
      idle,
      ...(handshakes ? { handshakes: { full: handshakes.full, resumed: handshakes.resumed } } : {}),
    }));
  }

  /** Endpoints, their health and running counts per upstream (plain JSON, as the agent reports them). */
  traffic(): TrafficFacts[] {
    return this.proxy.stats().traffic;
  }

  /** Stops accepting, lets requests in flight finish up to --shutdown-timeout, then cuts the rest. */
  async stop(): Promise<{ cut: boolean }> {
    const l4Stopped = this.#l4.stop();
    let cut = false;
    if (this.#listeners) ({ cut } = await drainListeners(this.#listeners, () => this.proxy.close(), this.#config.shutdownTimeoutMs));
    else await this.proxy.close();
    await l4Stopped;
    await this.#l4.cut();
    this.#instrumentation?.close();
    return { cut };
  }
}
