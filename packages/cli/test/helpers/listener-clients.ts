// Clients for serve's listeners: HTTP/1.1 and HTTP/2 (h2c prior knowledge, or over TLS with
// ALPN), each returning status, headers and body; and named echo upstreams that answer with
// who they are and what they saw (host, protocol, forwarded client identity headers).
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { SecureContextOptions } from 'node:tls';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The ALPN protocol of a TLS connection ('' for cleartext). */
  alpn?: string;
}

/** What an echo upstream saw. */
export interface Echo {
  name: string;
  host: string;
  httpVersion: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface EchoUpstream {
  name: string;
  port: number;
  close(): Promise<void>;
}

export async function startEcho(name: string): Promise<EchoUpstream> {
  const server = http.createServer((req, res) => {
    const body = JSON.stringify({ name, host: req.headers.host ?? '', httpVersion: req.httpVersion, headers: req.headers } satisfies Echo);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function echoOf(answer: Answer): Echo {
  return JSON.parse(answer.body) as Echo;
}

/** HTTP/1.1 GET with a Host header (no keep-alive). */
export function h1Get(port: number, host: string, path = '/', headers: http.OutgoingHttpHeaders = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { ...headers, host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from 127.0.0.1:${port} within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

export interface H2Options {
  /** TLS: SNI, trusted CA, client certificate. Absent: h2c with prior knowledge. */
  tls?: { servername: string; ca: string } & Pick<SecureContextOptions, 'cert' | 'key'>;
  headers?: http2.OutgoingHttpHeaders;
}

/** One HTTP/2 GET on a fresh session; `authority` is the request's :authority. */
export function h2Get(port: number, authority: string, path = '/', options: H2Options = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = options.tls
      ? http2.connect(`https://127.0.0.1:${port}`, { ...options.tls, ALPNProtocols: ['h2'] })
      : http2.connect(`http://127.0.0.1:${port}`);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`no HTTP/2 answer from 127.0.0.1:${port} within 10 s`));
    }, 10_000);
    session.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    const stream = session.request({ ':method': 'GET', ':path': path, ':authority': authority, ...options.headers });
    stream.on('error', (error) => {
      clearTimeout(timer);
      session.destroy();
      reject(error);
    });
    stream.on('response', (headers) => {
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (body += chunk));
      stream.on('end', () => {
        clearTimeout(timer);
        const alpn = (session.socket as { alpnProtocol?: string | false }).alpnProtocol || '';
        session.close();
        resolve({ status: Number(headers[':status']), headers, body, alpn });
      });
    });
    stream.end();
  });
}
