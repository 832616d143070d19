// Real upstream servers for the tests: loopback only, ephemeral ports, closed by the test.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type tls from 'node:tls';

export interface Echo {
  subject: string | null;
  servername: string | false | null;
  alpn: string | false | null;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  remotePort: number;
}

export interface RunningServer<S extends net.Server = net.Server> {
  server: S;
  port: number;
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/** Listens on loopback (`port` 0: any free one); `close()` closes the server and every connection it still holds. */
export async function listen<S extends net.Server>(server: S, port = 0): Promise<RunningServer<S>> {
  const sockets = new Set<net.Socket>();
  const running: RunningServer<S> = {
    server,
    port: 0,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket: net.Socket) => {
    running.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  running.port = (server.address() as net.AddressInfo).port;
  return running;
}

function collect(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
    req.on('error', reject);
  });
}

/** An HTTPS server that answers with what it saw: peer certificate subject, SNI, ALPN, request. */
export function echoHandler(): http.RequestListener {
  return (req, res) => {
    void collect(req).then((body) => {
      const socket = req.socket as tls.TLSSocket;
      const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
      const echo: Echo = {
        subject: peer && peer.subject ? `CN=${peer.subject.CN}` : null,
        servername: 'servername' in socket ? (socket.servername as string | false) : null,
        alpn: 'alpnProtocol' in socket ? (socket.alpnProtocol as string | false) : null,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        remotePort: socket.remotePort ?? 0,
      };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(echo));
    });
  };
}

export interface TlsServerOptions {
  cert: string;
  key: string;
  /** CA that signs acceptable client certificates; with it, client certificates are required. */
  clientCa?: string;
  maxVersion?: tls.SecureVersion;
  minVersion?: tls.SecureVersion;
  ALPNProtocols?: string[];
}

/** `https.createServer` with `requestCert: true, rejectUnauthorized: true` when `clientCa` is set. */
export function httpsEchoServer(
  options: TlsServerOptions,
  handler: http.RequestListener = echoHandler(),
  port = 0,
): Promise<RunningServer<https.Server>> {
  const server = https.createServer(
    {
      cert: options.cert,
      key: options.key,
      ...(options.clientCa ? { ca: options.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
      ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
      ...(options.minVersion ? { minVersion: options.minVersion } : {}),
      ...(options.ALPNProtocols ? { ALPNProtocols: options.ALPNProtocols } : {}),
    },
    handler,
  );
  server.keepAliveTimeout = 60_000;
  return listen(server, port);
}

export function httpEchoServer(handler: http.RequestListener = echoHandler()): Promise<RunningServer<http.Server>> {
  return listen(http.createServer(handler));
}

/** Accepts TCP and never says a word: the handshake never completes. */
export function silentServer(): Promise<RunningServer> {
  return listen(net.createServer(() => undefined));
}

/** A port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const probe = await listen(net.createServer());
  await probe.close();
  return probe.port;
}

export async function readJson<T>(res: http.IncomingMessage): Promise<T> {
  return JSON.parse(await collect(res)) as T;
}

export { collect };
