// Loopback L4 upstreams for `serve`'s tcp:// and tls:// endpoints, and a client that
// talks to them through serve's L4 listeners.
import { connect as tcpConnect, createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { ServeProcess } from './cli-process.js';
import { waitFor } from './wait.js';

export interface L4Upstream {
  port: number;
  /** One entry per connection: its first greeting line. */
  readonly greetings: readonly string[];
  close(): Promise<void>;
}

/**
 * Greets each connection with a line (`hello <name>` for TCP, the client certificate's
 * `CN=…` for TLS), then answers every line with `<name>:` and the line: an answer only
 * the upstream can give, so bytes are shown to travel both ways.
 */
function serveLines(
  server: Server,
  event: 'connection' | 'secureConnection',
  name: string,
  greeting: (socket: Socket) => string,
): Promise<L4Upstream> {
  const sockets = new Set<Socket>();
  const greetings: string[] = [];
  server.on(event, (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const line = greeting(socket);
    greetings.push(line);
    socket.write(`${line}\n`);
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        socket.write(`${name}:${pending.slice(0, end)}\n`);
        pending = pending.slice(end + 1);
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        greetings,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

export function startTcpUpstream(name: string): Promise<L4Upstream> {
  return serveLines(createTcpServer(), 'connection', name, () => `hello ${name}`);
}

/** A TLS upstream; with `clientCa` it demands a client certificate signed by it (mutual TLS). */
export function startTlsLineUpstream(
  name: string,
  { cert, key, clientCa }: { cert: string; key: string; clientCa?: string },
): Promise<L4Upstream> {
  const server = createTlsServer({ cert, key, ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: true } : {}) });
  return serveLines(server, 'secureConnection', name, (socket) => {
    const tls = socket as TLSSocket;
    const peer = tls.getPeerCertificate();
    const servername = typeof tls.servername === 'string' ? tls.servername : '';
    return peer?.subject ? `CN=${String(peer.subject.CN)}` : `no client certificate, sni=${servername}`;
  });
}

/** The port serve printed for `url` (`kupstream: forwarding URL on 127.0.0.1:PORT`). */
export async function forwardedPort(serve: ServeProcess, url: string, timeoutMs = 10_000): Promise<number> {
  const escaped = url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const port = await waitFor(
    `serve to forward ${url}`,
    () => new RegExp(`kupstream: forwarding ${escaped} on 127\\.0\\.0\\.1:(\\d+)\\n`).exec(serve.stdout())?.[1],
    timeoutMs,
  );
  return Number(port);
}

/** A TCP client that collects what it receives, line by line. */
export interface LineClient {
  /** Waits for the next complete line. */
  line(): Promise<string>;
  send(text: string): void;
  close(): void;
  readonly socket: Socket;
}

export function lineClient(socket: Socket): LineClient {
  let buffered = '';
  let ended = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (buffered += chunk));
  socket.on('close', () => (ended = true));
  socket.on('error', () => undefined);
  return {
    socket,
    line: () =>
      waitFor('a line from the upstream', () => {
        const end = buffered.indexOf('\n');
        if (end >= 0) {
          const line = buffered.slice(0, end);
          buffered = buffered.slice(end + 1);
          return line;
        }
        if (ended) throw new Error(`the connection closed; received ${JSON.stringify(buffered)}`);
        return undefined;
      }),
    send: (text) => void socket.write(text),
    close: () => void socket.destroy(),
  };
}

export function connectLines(port: number): Promise<LineClient> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve(lineClient(socket));
    });
    socket.once('error', reject);
  });
}

/** Resolves with the error code of a connection attempt that fails (ECONNREFUSED once a listener is gone). */
export function connectError(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1', () => {
      socket.destroy();
      reject(new Error(`127.0.0.1:${port} still accepts connections`));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}
