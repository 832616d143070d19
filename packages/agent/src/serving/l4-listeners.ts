// The L4 listeners of a model: one TCP listener per tcp:// and tls:// endpoint, bound on the
// host's address at the endpoint URL's port (or where an `L4Mapping` says), opened and
// closed as the model changes. Bytes are forwarded by the agent's connectionHandler.
// tls:// endpoints on one address share its listener: each connection's ClientHello (SNI)
// picks the endpoint, whose TLS is terminated with its own certificate when the model gives
// one (tlsTermination, client certificates too) and passed through untouched otherwise.
// Endpoints on a mapped listener port (`gatewayPorts`) are not bound here: the HTTP listener of that
// address hands their connections over (`acceptMapped`), so one Gateway port can carry TLS
// routes by SNI beside HTTPS listeners, as it does in a cluster.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { readClientHello } from '../listeners/client-hello.js';
import type { FrontendTls } from '../listeners/frontend-tls.js';
import type { Proxy } from '../proxy.js';
import type { Endpoint, TranslationModel } from '@kupstream/core';
import { DEFAULT_LISTENER_LABELS, type HostPort, type L4Mapping, type ListenerLabels, type ListenerLog } from './listen-options.js';

export interface L4ListenerOptions {
  /** Where L4 listeners bind unless a mapping says otherwise (`kupstream serve`: the --listen host). */
  host: string;
  mappings: readonly L4Mapping[];
  proxy: Pick<Proxy, 'connectionHandler'>;
  log: ListenerLog;
  /** How messages name mappings (default DEFAULT_LISTENER_LABELS). */
  labels?: ListenerLabels;
  /** Says where an endpoint is forwarded (`kupstream: forwarding URL on ADDRESS`; serve prints it on stdout). */
  announce: (line: string) => Promise<void>;
  /** Terminates the TLS of tls:// endpoints that have a certificate (a FrontendTls for scheme tls). */
  tls?: FrontendTls;
  /** Listener ports with an address of their own in the ListenerSet: their L4 endpoints come through `acceptMapped`. */
  gatewayPorts?: readonly number[];
}

/** How long a tls:// client may take to send its ClientHello. */
const HELLO_TIMEOUT_MS = 10_000;

/** The tls:// endpoints sharing one bound address. */
interface TlsGroup {
  server: Server;
  urls: Set<string>;
}

/** `tls://host[:port]` → host, lower-case. */
function tlsHost(url: string): string {
  return (L4_URL.exec(url)?.[2] ?? '').toLowerCase();
}

/** The endpoint for a server name: exact host, then the longest `*.` wildcard; a lone endpoint takes every name. */
export function tlsEndpointFor(urls: Iterable<string>, serverName: string): string | undefined {
  const list = [...urls];
  return coveringEndpoint(list, serverName) ?? (list.length === 1 ? list[0] : undefined);
}

/** The endpoint whose host covers the server name: exact, then the longest `*.` wildcard, then `*` (a listener without hostname). */
export function coveringEndpoint(urls: Iterable<string>, serverName: string): string | undefined {
  const list = [...urls];
  const exact = list.find((u) => tlsHost(u) === serverName);
  if (exact) return exact;
  const wildcard = list
    .filter((u) => {
      const host = tlsHost(u);
      return host.startsWith('*.') && serverName.endsWith(host.slice(1)) && serverName.length > host.length - 1;
    })
    .sort((a, b) => tlsHost(b).length - tlsHost(a).length)[0];
  return wildcard ?? list.find((u) => tlsHost(u) === '*');
}

const L4_URL = /^(tcp|tls):\/\/([^/]*?)(?::(\d+))?$/;

function isL4Endpoint(endpoint: Endpoint): boolean {
  return L4_URL.test(endpoint.url);
}

export class L4Listeners {
  readonly #options: L4ListenerOptions;
  readonly #mappings: Map<string, HostPort>;
  readonly #open = new Map<string, Server>();
  /** tls:// listeners by bound address (`host:port`), shared by the endpoints on it. */
  readonly #tlsGroups = new Map<string, TlsGroup>();
  /** Which tls:// endpoints terminate (the model of the last sync). */
  #terminated = new Set<string>();
  /** Every listener ever opened, until closed, and every connection accepted, until it ends: for `cut()`. */
  readonly #servers = new Set<Server>();
  readonly #sockets = new Set<Socket>();
  /** L4 endpoints by mapped listener port (the model of the last sync). */
  #mapped = new Map<number, Set<string>>();
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
    const planned = new Map(model.endpoints.filter(isL4Endpoint).map((e) => [e.url, this.#addressFor(e)]));
    const mapped = new Map<number, Set<string>>();
    const plan = new Map<string, HostPort | string>();
    for (const [url, address] of planned) {
      if (typeof address === 'object' && 'gatewayPort' in address) {
        let urls = mapped.get(address.gatewayPort);
        if (!urls) mapped.set(address.gatewayPort, (urls = new Set()));
        urls.add(url);
      } else plan.set(url, address);
    }
    await this.#announceMapped(mapped);
    this.#mapped = mapped;
    this.#terminated = new Set(model.endpoints.filter((e) => e.url.startsWith('tls://') && e.tls).map((e) => e.url));
    const { log } = this.#options;
    for (const [url, server] of this.#open) {
      const next = plan.get(url);
      if (next !== undefined && typeof next !== 'string') continue;
      this.#open.delete(url);
      // Connections already forwarded stay up until either side ends them (or the host stops);
      // a shared tls:// listener stays for the endpoints left on it.
      const group = [...this.#tlsGroups.entries()].find(([, g]) => g.server === server);
      group?.[1].urls.delete(url);
      if (group && group[1].urls.size > 0) {
        log.line(`stopped forwarding ${url}: ${next ?? 'the endpoint left the model'} (open connections continue)`);
        continue;
      }
      if (group) this.#tlsGroups.delete(group[0]);
      server.close();
      log.line(`stopped forwarding ${url}: ${next ?? 'the endpoint left the model'} (open connections continue)`);
      if (next !== undefined) this.#skipped.set(url, next);
    }
    for (const url of this.#skipped.keys()) if (typeof plan.get(url) !== 'string') this.#skipped.delete(url);
    if (!this.#synced) {
      this.#synced = true;
      for (const url of this.#mappings.keys()) {
        if (!plan.has(url))
          log.warn(
            `${(this.#options.labels ?? DEFAULT_LISTENER_LABELS).l4Mapping(url)} names no tcp:// or tls:// endpoint of the model (yet)`,
          );
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

  /** Where the endpoint's listener binds (or the mapped listener port that serves it), or why it is not opened. */
  #addressFor(endpoint: Endpoint): HostPort | { gatewayPort: number } | string {
    // The model asks for TLS terminated here with its own server certificate: passing the
    // client's TLS through instead would break that promise.
    if (endpoint.tls && !this.#options.tls) return 'the model terminates TLS for it (tlsTermination), and this host has no TLS terminator';
    const mapped = this.#mappings.get(endpoint.url);
    if (mapped) return mapped;
    const match = L4_URL.exec(endpoint.url);
    const port = match?.[3] !== undefined ? Number(match[3]) : match?.[1] === 'tls' && match[2] ? 443 : undefined;
    if (port === undefined) return 'its URL has no host and port (ngrok would assign them), so there is nothing to listen for';
    if (this.#options.gatewayPorts?.includes(port)) return { gatewayPort: port };
    return { host: this.#options.host, port };
  }

  async #bind(url: string, address: HostPort): Promise<void> {
    const { proxy, log, announce } = this.#options;
    const isTls = url.startsWith('tls://');
    const key = `${address.host}:${address.port}`;
    const shared = isTls && address.port !== 0 ? this.#tlsGroups.get(key) : undefined;
    if (shared) {
      shared.urls.add(url);
      this.#open.set(url, shared.server);
      await announce(`kupstream: forwarding ${url} on ${key}\n`);
      return;
    }
    const group: TlsGroup | undefined = isTls ? { server: undefined as unknown as Server, urls: new Set([url]) } : undefined;
    const handler = group ? undefined : proxy.connectionHandler(url);
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      if (group) this.#acceptTls(socket, group);
      else handler!(socket);
    });
    if (group) group.server = server;
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
            ? `permission denied (a port below 1024 needs privileges; ${(this.#options.labels ?? DEFAULT_LISTENER_LABELS).privilegedPortHint})`
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
    if (group && address.port !== 0) this.#tlsGroups.set(key, group);
    const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
    await announce(`kupstream: forwarding ${url} on ${host}:${bound.port}\n`);
  }

  /** One line per endpoint newly served through a mapped listener, as for the ones bound here. */
  async #announceMapped(next: Map<number, Set<string>>): Promise<void> {
    for (const [port, urls] of next)
      for (const url of urls)
        if (!this.#mapped.get(port)?.has(url))
          await this.#options.announce(`kupstream: forwarding ${url} on gateway listener port ${port}\n`);
    for (const [port, urls] of this.#mapped)
      for (const url of urls)
        if (!next.get(port)?.has(url))
          this.#options.log.line(`stopped forwarding ${url}: the endpoint left the model (open connections continue)`);
  }

  /** Whether the model has tcp:// or tls:// endpoints on this mapped listener port. */
  servesPort(port: number): boolean {
    return (this.#mapped.get(port)?.size ?? 0) > 0;
  }

  /**
   * A connection to a mapped listener port's address whose port has L4 endpoints: a tcp:// endpoint
   * takes it; for tls:// ones its ClientHello picks the endpoint. When HTTPS listeners share
   * the port (`sharedWithHttps`), a server name that none of the tls:// endpoints covers goes
   * to `otherwise`, bytes intact; alone on the port, a lone endpoint takes every name.
   */
  acceptMapped(socket: Socket, port: number, sharedWithHttps: boolean, otherwise: (socket: Socket) => void): void {
    const urls = this.#mapped.get(port);
    if (!urls || urls.size === 0 || this.#closed) return otherwise(socket);
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    const tcp = [...urls].find((url) => url.startsWith('tcp://'));
    if (tcp) return this.#options.proxy.connectionHandler(tcp)(socket);
    socket.on('error', () => socket.destroy());
    readClientHello(socket, HELLO_TIMEOUT_MS, (read) => {
      if (!read.ok) return void socket.destroy();
      const url = sharedWithHttps ? coveringEndpoint(urls, read.serverName) : tlsEndpointFor(urls, read.serverName);
      if (!url) {
        if (!sharedWithHttps) return void socket.end(Buffer.from([21, 3, 3, 0, 2, 2, 112])); // unrecognized_name
        socket.unshift(read.bytes);
        return otherwise(socket);
      }
      this.#forwardTls(socket, url, read);
    });
  }

  /** The ClientHello chose `url`: terminate its TLS here, or pass everything through (the hello first). */
  #forwardTls(socket: Socket, url: string, read: { bytes: Buffer; serverName: string }): void {
    const { proxy, log, tls } = this.#options;
    if (!this.#terminated.has(url) || !tls) {
      socket.unshift(read.bytes);
      return proxy.connectionHandler(url)(socket);
    }
    const port = Number(L4_URL.exec(url)?.[3] ?? 443);
    tls.acceptHello(
      socket,
      port,
      read.bytes,
      read.serverName,
      ({ socket: secure }) => proxy.connectionHandler(url)(secure),
      ({ reason }) => log.warn(`TLS handshake refused for ${url}: ${reason}`),
    );
  }

  /**
   * A tls:// connection: a lone pass-through endpoint gets the bytes at once (as before); else
   * the ClientHello's server name picks the endpoint, terminated or passed through.
   */
  #acceptTls(socket: Socket, group: TlsGroup): void {
    const { proxy } = this.#options;
    const only = group.urls.size === 1 ? [...group.urls][0]! : undefined;
    if (only && !this.#terminated.has(only)) return proxy.connectionHandler(only)(socket);
    socket.on('error', () => socket.destroy());
    readClientHello(socket, HELLO_TIMEOUT_MS, (read) => {
      if (!read.ok) return void socket.destroy();
      const url = tlsEndpointFor(group.urls, read.serverName);
      if (!url) return void socket.end(Buffer.from([21, 3, 3, 0, 2, 2, 112])); // unrecognized_name
      this.#forwardTls(socket, url, read);
      return undefined;
    });
  }
}
