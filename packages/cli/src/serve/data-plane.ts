// What serve serves in one process: the agent's proxy on the latest model, the HTTP listeners
// (--listen and each --gateway-port) and the L4 listeners, wired the same way for a
// single-process serve and for each worker of `--workers N`. The listeners open only after
// the first model; the agent's own addresses are never upstreams.
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
import type { CredentialStore } from '@kupstream/core';
import { createTranslationResult } from '@kupstream/core/building-blocks';
import type { GatewayPortMapping, HostPort, L4Mapping } from '@kupstream/agent';
import { asStartupError } from '../errors.js';
import type { ResolveOverride } from '../args/flag-values.js';
import type { Logger } from '../log/log.js';
import { SERVE_LISTENER_LABELS } from './listener-labels.js';
import type { ModelUpdate } from './model-source.js';
import { resolveFromOverrides } from './resolve-overrides.js';
import { upstreamErrorLogger } from './upstream-error-log.js';

export interface DataPlaneSettings {
  listen: HostPort;
  gatewayPorts: readonly GatewayPortMapping[];
  l4: readonly L4Mapping[];
  tlsMinVersion: 'TLSv1.2' | 'TLSv1.3';
  resolve: readonly ResolveOverride[];
  denyUpstreams: readonly string[];
  shutdownTimeoutMs: number;
  /** The store the proxy dials with (a prober beside it reads the same); default: each model's own. */
  credentials?: CredentialStore;
  /** Addresses of this host besides the listeners (the admin server's): never upstreams either. */
  ownAddresses?: () => AddressInfo[];
  /** Where an L4 endpoint's listener is said to be (stdout, or the primary of the workers). */
  announce: (line: string) => Promise<void>;
  log: Logger;
}

/** The admin server's request log around each listener's handlers. */
export interface Instrumentation {
  instrument: (handler: RequestListener) => RequestListener;
  instrumentUpgrade: (handler: UpgradeListener) => UpgradeListener;
}

export class ServeDataPlane {
  readonly proxy: Proxy;
  readonly #settings: DataPlaneSettings;
  readonly #frontendTls: FrontendTls;
  readonly #l4Tls: FrontendTls;
  readonly #l4: L4Listeners;
  #listeners: ListenerSet | undefined;

  constructor(settings: DataPlaneSettings) {
    this.#settings = settings;
    const { credentials, log } = settings;
    // Empty until the first model: nothing is routed before it, and the listeners open after it.
    this.proxy = createProxy({
      model: createTranslationResult({ endpoints: [], upstreams: [], statuses: [], diagnostics: [] }),
      ...(credentials ? { credentials } : {}),
      // An explicit --resolve also wins over the Service's EndpointSlices (the agent's rule).
      resolve: resolveFromOverrides([...settings.resolve]),
      denyUpstreams: {
        cidrs: [...settings.denyUpstreams],
        ownAddresses: () => [...this.addresses(), ...(settings.ownAddresses?.() ?? [])],
      },
    });
    this.proxy.on('upstreamError', upstreamErrorLogger(log));
    this.#frontendTls = new FrontendTls({ minVersion: settings.tlsMinVersion });
    this.#l4Tls = new FrontendTls({ scheme: 'tls', minVersion: settings.tlsMinVersion });
    this.#l4 = new L4Listeners({
      labels: SERVE_LISTENER_LABELS,
      host: settings.listen.host,
      mappings: settings.l4,
      proxy: this.proxy,
      log,
      announce: settings.announce,
      tls: this.#l4Tls,
      gatewayPorts: settings.gatewayPorts.map((m) => m.port),
    });
  }

  /** A new model: the proxy first, so a listener opened for a new endpoint finds its route at once. Resolves once the L4 listeners follow. */
  apply(update: Pick<ModelUpdate, 'result' | 'endpoints'>): Promise<void> {
    const { result } = update;
    this.proxy.update(result, result.credentials);
    this.proxy.updateEndpoints(update.endpoints);
    // TLS listeners from the same model: new certificates take effect for new connections.
    this.#frontendTls.update(result, result.credentials);
    this.#l4Tls.update(result, result.credentials);
    return this.#l4.sync(result);
  }

  /** Binds the HTTP listeners (after the first model); resolves with their URLs, --listen's first. */
  async listen(instrumentation?: Instrumentation): Promise<{ listen: string; gatewayPorts: { port: number; address: string }[] }> {
    const { listen, gatewayPorts, log } = this.#settings;
    // Each listener's servers carry the agent's header, request, keep-alive and idle timeouts
    // and header size bound, so idle or half-open clients cannot hold them.
    this.#listeners = new ListenerSet({
      labels: SERVE_LISTENER_LABELS,
      listen,
      gatewayPorts,
      proxy: this.proxy,
      ...(instrumentation ? { instrument: instrumentation.instrument, instrumentUpgrade: instrumentation.instrumentUpgrade } : {}),
      tls: new TlsConnections(this.#frontendTls, log),
      l4: this.#l4,
      log,
    });
    const urls = await this.#listeners.start().catch((error: unknown) => Promise.reject(asStartupError(error)));
    await this.#l4.idle();
    return urls;
  }

  /** Where the listeners are bound. */
  addresses(): AddressInfo[] {
    return [...this.#l4.addresses(), ...(this.#listeners?.addresses() ?? [])];
  }

  /**
   * Stops accepting; with `drain`, requests in flight finish up to --shutdown-timeout and the
   * rest is cut (`cut`); without, everything is cut at once (a start that failed).
   */
  async stop(drain: boolean): Promise<{ cut: boolean }> {
    // L4 listeners stop accepting with the HTTP ones; the proxy's close ends their tunnels.
    const l4Stopped = this.#l4.stop();
    let cut = false;
    if (drain && this.#listeners)
      ({ cut } = await drainListeners(this.#listeners, () => this.proxy.close(), this.#settings.shutdownTimeoutMs));
    else {
      this.#listeners?.closeAll();
      await this.proxy.close();
    }
    await l4Stopped;
    await this.#l4.cut();
    return { cut };
  }
}
