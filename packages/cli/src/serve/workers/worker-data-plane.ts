// What one worker of `serve --workers N` serves: the same data plane as a single-process serve
// (data-plane.ts) on the model the primary sent, bound on the ports every worker shares
// (node:cluster hands each connection to one of them). Its L4 lines go to the primary, which
// prints each once; with --admin its traffic is recorded for the primary's admin server.
import type { AddressInfo } from 'node:net';
import type { Proxy } from '@kupstream/agent';
import type { TrafficFacts } from '@kupstream/admin';
import { WorkerTraffic, type PoolReport, type WorkerMessage } from '@kupstream/workers';
import type { Logger } from '../../log/log.js';
import { ServeDataPlane, type Instrumentation } from '../data-plane.js';
import type { ModelUpdate } from '../model-source.js';
import type { ServeWorkerConfig } from './serve-worker-config.js';

export class WorkerDataPlane {
  readonly #plane: ServeDataPlane;
  readonly #send: (message: WorkerMessage) => void;
  #instrumentation: (Instrumentation & { close(): void }) | undefined;

  private constructor(config: ServeWorkerConfig, log: Logger, send: (message: WorkerMessage) => void) {
    this.#send = send;
    const admin = config.admin?.address;
    this.#plane = new ServeDataPlane({
      ...config,
      ...(admin ? { ownAddresses: () => [admin] } : {}),
      // Every worker binds the same L4 listeners: the primary prints each line once.
      announce: async (line) => send({ type: 'announce', line }),
      log,
    });
  }

  get proxy(): Proxy {
    return this.#plane.proxy;
  }

  static async create(config: ServeWorkerConfig, log: Logger, send: (message: WorkerMessage) => void): Promise<WorkerDataPlane> {
    const plane = new WorkerDataPlane(config, log, send);
    if (config.admin) {
      // Loaded only with --admin, as in a single-process serve.
      const admin = await import('@kupstream/admin');
      const redacted = admin.redactedHeaderSet();
      const proxy = plane.proxy;
      const traffic = new WorkerTraffic({ proxy, send, redact: (headers) => admin.redactHeaders(headers, redacted) });
      const attribution = admin.attributeProxyEvents(proxy);
      const upgrades = admin.recordUpgrades(proxy, traffic, () => new Date());
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

  /** A new model; the primary learns the L4 addresses once the listeners follow it. */
  apply(update: Pick<ModelUpdate, 'result' | 'endpoints'>): void {
    void this.#plane.apply(update).then(() => this.#send({ type: 'addresses', addresses: this.addresses() }));
  }

  /** Binds the HTTP listeners (after the first model); resolves with their URLs. */
  listen(): Promise<{ listen: string; gatewayPorts: { port: number; address: string }[] }> {
    return this.#plane.listen(this.#instrumentation);
  }

  addresses(): AddressInfo[] {
    return this.#plane.addresses();
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
    const stopped = await this.#plane.stop(true);
    this.#instrumentation?.close();
    return stopped;
  }
}
