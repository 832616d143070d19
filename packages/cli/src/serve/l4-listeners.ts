// The L4 side of `serve`: one TCP listener per tcp:// and tls:// endpoint of the model,
// bound on the --listen host at the endpoint URL's port (or where --l4 says), opened and
// closed as the model changes. Bytes are forwarded by the agent's connectionHandler.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Proxy } from '@kupstream/agent';
import type { Endpoint, TranslationModel } from '@kupstream/core';
import type { HostPort, L4Mapping } from '../args/flag-values.js';
import type { Logger } from '../log/log.js';

export interface L4ListenerOptions {
  /** The --listen host: where L4 listeners bind unless --l4 says otherwise. */
  host: string;
  mappings: readonly L4Mapping[];
  proxy: Pick<Proxy, 'connectionHandler'>;
  log: Logger;
  /** Writes one line on stdout (the listener's address, as the serving line does). */
  announce: (line: string) => Promise<void>;
}

const L4_URL = /^(tcp|tls):\/\/([^/]*?)(?::(\d+))?$/;

function isL4Endpoint(endpoint: Endpoint): boolean {
  return L4_URL.test(endpoint.url);
}

export class L4Listeners {
  readonly #options: L4ListenerOptions;
  readonly #mappings: Map<string, HostPort>;
  readonly #open = new Map<string, Server>();
  /** Every listener ever opened, until closed, and every connection accepted, until it ends: for `cut()`. */
  readonly #servers = new Set<Server>();
  readonly #sockets = new Set<Socket>();
  /** Endpoints not listened for, with the reason already warned about: one warning each, not one per reload. */
  readonly #skipped = new Map<string, string>();
  #queue: Promise<void> = Promise.resolve();
  #synced = false;
  #closed = false;

  constructor(options: L4ListenerOptions) {
    this.#options = options;
    this.#mappings = new Map(options.mappings.map((m) => [m.url, m.to]));
  }

  /** Opens listeners for new L4 endpoints and closes those of removed ones; calls run one after another. */
  sync(model: TranslationModel): Promise<void> {
    this.#queue = this.#queue
      .then(() => this.#sync(model))
      .catch((error: unknown) => this.#options.log.warn(`L4 listeners: ${error instanceof Error ? error.message : String(error)}`));
    return this.#queue;
  }

  /** Resolves when every sync asked for so far is done. */
  /** Where the open listeners are bound (the proxy refuses these as upstreams). */
  addresses(): AddressInfo[] {
    const out: AddressInfo[] = [];
    for (const server of this.#servers) {
      const bound = server.address();
      if (bound && typeof bound === 'object') out.push(bound);
    }
    return out;
  }

  idle(): Promise<void> {
    return this.#queue;
  }

  /** Stops accepting on every listener. Forwarded connections are left to the proxy's close(), which ends them. */
  async stop(): Promise<void> {
    this.#closed = true;
    await this.#queue;
    for (const server of this.#open.values()) server.close();
    this.#open.clear();
  }

  /** After the proxy closed: ends connections it did not hold (a dial still pending), and waits for every listener to close. */
  async cut(): Promise<void> {
    await this.stop();
    for (const socket of this.#sockets) socket.destroy();
    // Every server here was closed by stop() or on reload and has not emitted 'close' yet
    // (the set drops it then); with its connections destroyed, it will.
    await Promise.all([...this.#servers].map((server) => new Promise<void>((resolve) => server.once('close', () => resolve()))));
  }

  async #sync(model: TranslationModel): Promise<void> {
    if (this.#closed) return;
    // Per L4 endpoint: where to listen, or why not (re-evaluated each time: a reload may add or drop tlsTermination).
    const plan = new Map(model.endpoints.filter(isL4Endpoint).map((e) => [e.url, this.#addressFor(e)]));
    const { log } = this.#options;
    for (const [url, server] of this.#open) {
      const next = plan.get(url);
      if (next !== undefined && typeof next !== 'string') continue;
      this.#open.delete(url);
      // Connections already forwarded stay up until either side ends them (or serve stops).
      server.close();
      log.line(`stopped forwarding ${url}: ${next ?? 'the endpoint left the model'} (open connections continue)`);
      if (next !== undefined) this.#skipped.set(url, next);
    }
    for (const url of this.#skipped.keys()) if (typeof plan.get(url) !== 'string') this.#skipped.delete(url);
    if (!this.#synced) {
      this.#synced = true;
      for (const url of this.#mappings.keys()) {
        if (!plan.has(url)) log.warn(`--l4 ${url} names no tcp:// or tls:// endpoint of the model (yet)`);
      }
    }
    for (const [url, address] of plan) {
      if (this.#open.has(url)) continue;
      if (typeof address === 'string') {
        if (this.#skipped.get(url) !== address) log.warn(`not forwarding ${url}: ${address}`);
        this.#skipped.set(url, address);
        continue;
      }
      await this.#bind(url, address);
    }
  }

  /** Where the endpoint's listener binds, or why it is not opened. */
  #addressFor(endpoint: Endpoint): HostPort | string {
    // The model asks for TLS terminated here with its own server certificate; the agent
    // forwards bytes only, so passing the client's TLS through would break that promise.
    if (endpoint.tls) return 'the model terminates TLS for it (tlsTermination), which serve does not do: it forwards bytes only';
    const mapped = this.#mappings.get(endpoint.url);
    if (mapped) return mapped;
    const match = L4_URL.exec(endpoint.url);
    const port = match?.[3] !== undefined ? Number(match[3]) : match?.[1] === 'tls' && match[2] ? 443 : undefined;
    if (port === undefined) return 'its URL has no host and port (ngrok would assign them), so there is nothing to listen for';
    return { host: this.#options.host, port };
  }

  async #bind(url: string, address: HostPort): Promise<void> {
    const { proxy, log, announce } = this.#options;
    const handler = proxy.connectionHandler(url);
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      handler(socket);
    });
    const bound = await new Promise<AddressInfo | NodeJS.ErrnoException>((resolve) => {
      server.once('error', resolve);
      server.listen(address.port, address.host, () => {
        server.off('error', resolve);
        resolve(server.address() as AddressInfo);
      });
    });
    if (bound instanceof Error) {
      // One endpoint that cannot bind must not take the others (or HTTP) down; the next reload retries.
      const why =
        bound.code === 'EADDRINUSE'
          ? 'the address is in use'
          : bound.code === 'EACCES'
            ? 'permission denied (a port below 1024 needs privileges; see --l4)'
            : bound.code === 'EADDRNOTAVAIL'
              ? 'the address is not local'
              : bound.message;
      log.warn(`cannot forward ${url} on ${address.host}:${address.port}: ${why}`);
      return;
    }
    server.on('error', (error: Error) => log.warn(`listener of ${url}: ${error.message}`));
    this.#servers.add(server);
    server.once('close', () => this.#servers.delete(server));
    if (this.#closed) return void server.close();
    this.#open.set(url, server);
    const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
    await announce(`kupstream: forwarding ${url} on ${host}:${bound.port}\n`);
  }
}
