// A real mutual-TLS upstream that can be stopped and started again on its port, and the
// client side of the load: plain HTTP/1.1 requests to `serve` with a chosen Host, each
// recorded with its status and `x-kupstream-error`, a client-side failure or a hang.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';

export interface MtlsUpstream {
  port: number;
  /** TLS connections accepted since the first start. */
  connections(): number;
  /** Closes the listener and every connection: the upstream is down. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/** GET answers `ok`; a request with a body is read to the end and answered with its length, so a body cut by the proxy cannot look served. */
export async function startMtlsUpstream(tlsOptions: tls.TlsOptions, port = 0): Promise<MtlsUpstream> {
  let accepted = 0;
  let server: https.Server | undefined;
  let boundPort = port;
  const sockets = new Set<net.Socket>();
  const start = async () => {
    const s = https.createServer({ ...tlsOptions, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => res.end(req.method === 'GET' ? 'ok' : `received ${bytes}`));
    });
    s.on('secureConnection', () => accepted++);
    // Every TCP connection, handshaking ones included: closeAllConnections() knows only those
    // that finished the handshake, and one finishing after close() would keep the server up.
    s.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    // Rejected handshakes are part of the tests; they must not crash the test process.
    s.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(boundPort, '127.0.0.1', () => resolve());
    });
    boundPort = (s.address() as net.AddressInfo).port;
    server = s;
  };
  await start();
  return {
    get port() {
      return boundPort;
    },
    connections: () => accepted,
    stop: async () => {
      const s = server;
      server = undefined;
      if (!s) return;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    start,
  };
}

export interface Outcome {
  startedAt: number;
  endedAt: number;
  /** 0: the client connection failed; -1: no answer within the deadline (a hang). */
  status: number;
  code?: string;
  error?: string;
}

export function send(port: number, host: string, agent: http.Agent | false, path = '/', timeoutMs = 20_000): Promise<Outcome> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Omit<Outcome, 'startedAt' | 'endedAt'>) => {
      if (settled) return;
      settled = true;
      resolve({ startedAt, endedAt: Date.now(), ...o });
    };
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host }, agent }, (res) => {
      const code = res.headers['x-kupstream-error'];
      res.resume();
      res.on('end', () => done({ status: res.statusCode ?? 0, ...(typeof code === 'string' ? { code } : {}) }));
      res.on('error', (e) => done({ status: 0, error: e.message }));
    });
    req.setTimeout(timeoutMs, () => {
      done({ status: -1, error: `no answer within ${timeoutMs} ms` });
      req.destroy();
    });
    req.on('error', (e) => done({ status: 0, error: `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}` }));
    req.end();
  });
}

/** `502 connection_refused`-style labels, sorted and unique: what a list of outcomes consisted of. */
export function kinds(outcomes: readonly Outcome[]): string[] {
  return [...new Set(outcomes.map((o) => `${o.status}${o.code ? ` ${o.code}` : ''}${o.error ? ` (${o.error})` : ''}`))].sort();
}
