// The HTTP listeners of a model (what `kupstream serve` runs, and any host embedding the proxy
// can): a main address (every listener port not mapped) and one address per mapped listener
// port (`GatewayPortMapping`, routed by that port). Each accepts plain HTTP/1.1
// and h2c with prior knowledge on one port (the HTTP/2 preface is sniffed), or TLS when the
// model's endpoints on the port are https:// (see tls-connections.ts). What a connection gets
// is decided when it arrives, against the model of that moment, so listeners follow reloads.
import http from 'node:http';
import http2 from 'node:http2';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ClientIdentity } from '../listeners/client-identity.js';
import type { ListenerContext } from '../listeners/listener-context.js';
import type { Proxy } from '../proxy.js';
import { applyServerTimeouts } from '../server-timeouts.js';
import { DEFAULT_SERVER_TIMEOUTS } from '../timeouts/defaults.js';
import {
  DEFAULT_LISTENER_LABELS,
  ListenError,
  type GatewayPortMapping,
  type HostPort,
  type ListenerLabels,
  type ListenerLog,
} from './listen-options.js';
import type { L4Listeners } from './l4-listeners.js';

/** A server's 'upgrade' listener (the shape the admin server's instrumentUpgrade wraps; it cannot import the agent). */
export type UpgradeListener = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

/** The HTTP/2 client connection preface (RFC 9113 §3.4). */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Something that accepts a socket whose first bytes are TLS (a ClientHello): tls-connections.ts. */
export interface TlsAcceptor {
  /** Whether connections to this listener port are TLS (the model's endpoints on it are https://). */
  isTlsPort(port: number): boolean;
  accept(socket: Socket, port: number, servers: ProtocolServers): void;
  /** On a TLS connection: whether the host belongs to the listener the client's SNI chose. */
  hostAllowed(port: number, host: string, req: http.IncomingMessage): boolean;
  clientIdentity(req: http.IncomingMessage): ClientIdentity | undefined;
}

export interface ListenerSetOptions {
  listen: HostPort;
  gatewayPorts: readonly GatewayPortMapping[];
  proxy: Pick<Proxy, 'handlerFor' | 'upgradeHandlerFor'>;
  /** Wraps each request listener (the admin server's request log); identity by default. */
  instrument?: (handler: http.RequestListener) => http.RequestListener;
  /** Wraps each Upgrade listener the same way. */
  instrumentUpgrade?: (handler: UpgradeListener) => UpgradeListener;
  tls?: TlsAcceptor;
  /** The L4 endpoints on mapped listener ports (l4-listeners.ts): their connections are handed over. */
  l4?: Pick<L4Listeners, 'servesPort' | 'acceptMapped'>;
  log: ListenerLog;
  /** How messages name the addresses (default DEFAULT_LISTENER_LABELS). */
  labels?: ListenerLabels;
}

/** The HTTP/1.1 and HTTP/2 servers one listener hands its connections to (they never listen themselves). */
export class ProtocolServers {
  readonly http1: http.Server;
  readonly http2: http2.Http2Server;
  readonly #sessions = new Set<http2.ServerHttp2Session>();

  constructor(handler: http.RequestListener, upgrade: UpgradeListener) {
    this.http1 = http.createServer();
    applyServerTimeouts(this.http1);
    this.http1.on('request', handler);
    this.http1.on('upgrade', upgrade);
    // Node checks headers and request timeouts of a server's connections only once it is
    // 'listening'; this one is fed connections instead, so it is told so.
    this.http1.emit('listening');
    this.http2 = http2.createServer({
      settings: { maxHeaderListSize: DEFAULT_SERVER_TIMEOUTS.maxHeaderBytes },
      maxSessionInvalidFrames: 100,
    });
    // An idle session is closed (the server's default for a timeout without a callback).
    this.http2.setTimeout(DEFAULT_SERVER_TIMEOUTS.idle);
    this.http2.on('request', handler as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
    this.http2.on('session', (session) => {
      this.#sessions.add(session);
      session.on('error', () => session.destroy());
      session.once('close', () => this.#sessions.delete(session));
    });
  }

  /** A plain connection: HTTP/2 when it opens with the preface, HTTP/1.1 otherwise. */
  acceptPlain(socket: Socket): void {
    sniffPreface(socket, (isHttp2) => (isHttp2 ? this.acceptHttp2(socket) : this.acceptHttp1(socket)));
  }

  /** The HTTP/1.1 server's parser reads the socket's buffer (the sniffed bytes) once it flows again. */
  acceptHttp1(socket: Socket): void {
    this.http1.emit('connection', socket);
    socket.resume();
  }

  /** The HTTP/2 session takes the bytes already buffered in the socket itself. */
  acceptHttp2(socket: Socket): void {
    this.http2.emit('connection', socket);
  }

  /** Idle keep-alive connections go, HTTP/2 sessions are told to finish (GOAWAY). */
  closeIdle(): void {
    this.http1.closeIdleConnections();
    for (const session of this.#sessions) session.close();
  }

  /** Every connection left is cut. */
  closeAll(): void {
    this.http1.closeAllConnections();
    for (const session of this.#sessions) session.destroy();
    // Stops the connection checks started by 'listening'.
    this.http1.close(() => undefined);
  }
}

/**
 * Hands the socket on once its first bytes tell HTTP/2 prior knowledge from anything else:
 * as soon as they differ from the preface, or the whole preface arrived. The bytes stay in
 * the socket for the server that gets it. A connection that stays silent is closed after the
 * idle timeout: until it is handed on, no server's timers watch it.
 */
export function sniffPreface(socket: Socket, then: (isHttp2: boolean) => void, idleMs: number = DEFAULT_SERVER_TIMEOUTS.idle): void {
  let seen: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE.length);
    const agrees = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (agrees && n < PREFACE.length) return;
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('timeout', onSilent);
    socket.setTimeout(0);
    socket.pause();
    socket.unshift(seen);
    then(agrees);
  };
  const onEnd = () => socket.destroy();
  const onSilent = () => socket.destroy();
  socket.on('data', onData);
  socket.once('end', onEnd);
  socket.on('timeout', onSilent);
  socket.setTimeout(idleMs);
  // A socket an earlier reader paused (and put its bytes back into) flows again only when told.
  socket.resume();
}

interface Bound {
  server: Server;
  url: string;
}

export class ListenerSet {
  readonly #options: ListenerSetOptions;
  readonly #bound: Bound[] = [];
  readonly #servers: ProtocolServers[] = [];
  readonly #sockets = new Set<Socket>();

  constructor(options: ListenerSetOptions) {
    this.#options = options;
  }

  /** Binds the main address, then every mapped port's; returns the URLs, the main one first. */
  async start(): Promise<{ listen: string; gatewayPorts: { port: number; address: string }[] }> {
    const { listen, gatewayPorts } = this.#options;
    const mapped = new Set(gatewayPorts.map((m) => m.port));
    const main = await this.#bind(listen, mapped.size > 0 ? { excludedPorts: mapped } : {}, undefined);
    const out: { port: number; address: string }[] = [];
    const { tls } = this.#options;
    for (const m of gatewayPorts) {
      const context: ListenerContext = tls
        ? {
            port: m.port,
            hostAllowed: (host, req) => tls.hostAllowed(m.port, host, req),
            clientIdentity: (req) => tls.clientIdentity(req),
          }
        : { port: m.port };
      out.push({ port: m.port, address: (await this.#bind(m.to, context, m.port)).slice('http://'.length) });
    }
    return { listen: main, gatewayPorts: out };
  }

  /** The bound addresses (the main one first). */
  addresses(): AddressInfo[] {
    const out: AddressInfo[] = [];
    for (const { server } of this.#bound) {
      const bound = server.address();
      if (bound && typeof bound === 'object') out.push(bound);
    }
    return out;
  }

  /** Stops accepting; idle connections close, HTTP/2 sessions get GOAWAY. */
  stopAccepting(): Promise<void> {
    const closed = this.#bound.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const servers of this.#servers) servers.closeIdle();
    return Promise.all(closed).then(() => undefined);
  }

  /** Cuts every connection left. */
  closeAll(): void {
    for (const { server } of this.#bound) server.close();
    for (const servers of this.#servers) servers.closeAll();
    for (const socket of this.#sockets) socket.destroy();
  }

  async #bind(address: HostPort, context: ListenerContext, gatewayPort: number | undefined): Promise<string> {
    const { proxy, instrument = (h) => h, instrumentUpgrade = (h) => h, tls, l4 } = this.#options;
    const servers = new ProtocolServers(instrument(proxy.handlerFor(context)), instrumentUpgrade(proxy.upgradeHandlerFor(context)));
    this.#servers.push(servers);
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      const https = gatewayPort !== undefined && tls?.isTlsPort(gatewayPort) === true;
      const toHttp = (s: Socket) => (https ? tls!.accept(s, gatewayPort!, servers) : servers.acceptPlain(s));
      // TLSRoutes and TCPRoutes of this Gateway port first (by SNI beside HTTPS listeners); the rest is HTTP.
      if (gatewayPort !== undefined && l4?.servesPort(gatewayPort)) l4.acceptMapped(socket, gatewayPort, https, toHttp);
      else toHttp(socket);
    });
    const labels = this.#options.labels ?? DEFAULT_LISTENER_LABELS;
    const flag = gatewayPort === undefined ? labels.main : labels.gatewayPort(gatewayPort);
    const which = gatewayPort === undefined ? '' : ` (${flag})`;
    const bound = await new Promise<AddressInfo>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        const why =
          error.code === 'EADDRINUSE'
            ? 'the address is in use'
            : error.code === 'EADDRNOTAVAIL'
              ? 'the address is not local'
              : error.code === 'EACCES'
                ? 'permission denied'
                : error.message;
        reject(new ListenError(`cannot listen on ${address.host}:${address.port}${which}: ${why}`, error.code));
      });
      server.listen(address.port, address.host, () => resolve(server.address() as AddressInfo));
    });
    server.on('error', (error: Error) => this.#options.log.warn(`listener ${flag}: ${error.message}`));
    const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
    const url = `http://${host}:${bound.port}`;
    this.#bound.push({ server, url });
    return url;
  }
}

/**
 * Stops accepting at once, closes idle connections, waits for `drain` (the proxy finishing
 * the requests in flight) at most `timeoutMs`, then cuts whatever is left.
 */
export async function drainListeners(listeners: ListenerSet, drain: () => Promise<void>, timeoutMs: number): Promise<{ cut: boolean }> {
  const closed = listeners.stopAccepting();
  let cut = false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      cut = true;
      resolve();
    }, timeoutMs);
  });
  // Cutting the connections also ends the proxy's wait for them, so `drain` settles too.
  await Promise.race([drain(), deadline]);
  listeners.closeAll();
  await drain();
  clearTimeout(timer);
  await closed;
  return { cut };
}
