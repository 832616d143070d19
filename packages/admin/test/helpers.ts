// Small HTTP helpers for the admin tests: real sockets on loopback, nothing mocked.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export async function listening(server: http.Server, host = '127.0.0.1'): Promise<number> {
  if (!server.listening) {
    server.listen(0, host);
    await once(server, 'listening');
  }
  return (server.address() as AddressInfo).port;
}

export async function closeServer(server: http.Server): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function send(port: number, options: http.RequestOptions & { body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const { body, ...rest } = options;
    const req = http.request({ host: '127.0.0.1', port, agent: false, ...rest }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function getJson<T>(port: number, path: string): Promise<{ status: number; body: T; headers: http.IncomingHttpHeaders }> {
  const reply = await send(port, { path });
  return { status: reply.status, headers: reply.headers, body: JSON.parse(reply.body) as T };
}

/** Polls until `predicate` holds; fails after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
