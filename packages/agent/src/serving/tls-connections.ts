// The TLS side of the mapped listener ports (listener-set.ts): connections to a listener port whose
// endpoints are https:// go through the agent's FrontendTls (ClientHello, SNI-chosen
// certificate, client certificates), then to HTTP/2 or HTTP/1.1 by the ALPN outcome.
// Refusals are logged once per reason and name (never with key material) and counted.
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { clientIdentityFor, type FrontendTls } from '../listeners/frontend-tls.js';
import type { ListenerLog } from './listen-options.js';
import type { ProtocolServers, TlsAcceptor } from './listener-set.js';

/** Refusal reasons already logged, so a client retrying in a loop does not flood the log. */
const MAX_REMEMBERED_REFUSALS = 1000;

export class TlsConnections implements TlsAcceptor {
  readonly #frontend: FrontendTls;
  readonly #log: ListenerLog;
  readonly #logged = new Set<string>();

  constructor(frontend: FrontendTls, log: ListenerLog) {
    this.#frontend = frontend;
    this.#log = log;
  }

  isTlsPort(port: number): boolean {
    return this.#frontend.isTlsPort(port);
  }

  accept(socket: Socket, port: number, servers: ProtocolServers): void {
    this.#frontend.accept(
      socket,
      port,
      ({ socket: secure }) => {
        if (secure.alpnProtocol === 'h2') servers.acceptHttp2(secure as unknown as Socket);
        else servers.acceptHttp1(secure as unknown as Socket);
      },
      ({ reason }) => {
        if (this.#logged.has(reason) || this.#logged.size >= MAX_REMEMBERED_REFUSALS) return;
        this.#logged.add(reason);
        this.#log.warn(`TLS handshake refused: ${reason}`);
      },
    );
  }

  hostAllowed(port: number, host: string, req: http.IncomingMessage): boolean {
    const socket = req.socket as Partial<TLSSocket>;
    if (!socket.encrypted) return true;
    const serverName = typeof socket.servername === 'string' ? socket.servername : '';
    return this.#frontend.hostAllowed(port, serverName, host);
  }

  clientIdentity(req: http.IncomingMessage): ReturnType<typeof clientIdentityFor> {
    return clientIdentityFor(req.socket);
  }
}
