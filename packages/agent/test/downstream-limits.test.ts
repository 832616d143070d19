// Issue 8, the client side: idle and half-open connections, header and body sizes.
// The http.Server is the host's; applyServerTimeouts gives it the limits.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { applyServerTimeouts, createProxy, DEFAULT_MAX_REQUEST_BODY_BYTES, DEFAULT_SERVER_TIMEOUTS, type Proxy } from '../src/index.js';
import { storeWith, toLoopback, upstream } from './support/fixtures.js';
import { request, seedModel } from './support/proxy-harness.js';
import { echoHandler, httpEchoServer, listen, type RunningServer } from './support/servers.js';

const HOST = 'example-hostname.ngrok.io';

describe('downstream limits (issue 8)', () => {
  let backend: RunningServer<http.Server>;
  let proxy: Proxy;
  let front: RunningServer<http.Server>;
  let release: () => void = () => undefined;
  before(async () => {
    const held = new Promise<void>((resolve) => (release = resolve));
    backend = await httpEchoServer((req, res) => {
      if (req.url === '/slow') return void held.then(() => echoHandler()(req, res));
      echoHandler()(req, res);
    });
    proxy = createProxy({
      model: seedModel(upstream({ scheme: 'http', port: 80 })),
      credentials: storeWith(),
      resolve: toLoopback(backend.port),
      maxRequestBodyBytes: 64 * 1024,
    });
    const server = http.createServer();
    applyServerTimeouts(server, { idle: 1000, headers: 1500, maxHeaderBytes: 8 * 1024 });
    proxy.attach(server);
    front = await listen(server);
  });
  after(async () => {
    release();
    await proxy.close();
    await front.close();
    await backend.close();
  });

  it('states its defaults, and applies them when given none', () => {
    assert.deepEqual(DEFAULT_SERVER_TIMEOUTS, {
      headers: 20_000,
      request: 300_000,
      keepAlive: 5_000,
      idle: 30_000,
      maxHeaderBytes: 16 * 1024,
    });
    assert.equal(DEFAULT_MAX_REQUEST_BODY_BYTES, 10 * 1024 * 1024);
    const server = http.createServer();
    applyServerTimeouts(server);
    assert.deepEqual(
      [server.headersTimeout, server.requestTimeout, server.keepAliveTimeout, server.timeout, Reflect.get(server, 'maxHeaderSize')],
      [20_000, 300_000, 5_000, 30_000, 16 * 1024],
    );
  });

  it('500 idle and half-open client connections neither block requests nor stay open', async () => {
    const clients: net.Socket[] = [];
    const closed: Promise<void>[] = [];
    for (let i = 0; i < 500; i++) {
      const socket = net.connect(front.port, '127.0.0.1');
      socket.on('error', () => undefined);
      // Half of them start a request head and go silent; the other half never say a word.
      if (i % 2) socket.once('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n`));
      closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
      clients.push(socket);
    }
    try {
      await Promise.all(
        clients.map((s) => new Promise<void>((resolve) => (s.readyState === 'open' ? resolve() : s.once('connect', () => resolve())))),
      );
      // A request held by the upstream longer than the idle timeout is not idle.
      const slow = request(front.port, HOST, '/slow');
      for (let i = 0; i < 20; i++) assert.equal((await request(front.port, HOST, `/normal/${i}`)).status, 200);
      await new Promise((r) => setTimeout(r, 1200));
      release();
      assert.equal((await slow).status, 200);
      // Every one of them is closed by the server on its own.
      await Promise.all(closed);
    } finally {
      for (const socket of clients) socket.destroy();
    }
  });

  it('a request head above maxHeaderBytes is 431', async () => {
    const answer = await request(front.port, HOST, '/', { headers: { 'x-padding': 'a'.repeat(10 * 1024) } });
    assert.equal(answer.status, 431);
    assert.equal((await request(front.port, HOST, '/', { headers: { 'x-padding': 'a'.repeat(4 * 1024) } })).status, 200);
  });

  it('a body above maxRequestBodyBytes is 413 request_body_too_large, by Content-Length or counted while chunked', async () => {
    const big = 'b'.repeat(64 * 1024 + 1);
    const declared = await request(front.port, HOST, '/upload', { method: 'POST', body: big });
    assert.equal(declared.status, 413);
    assert.equal(declared.headers['x-kupstream-error'], 'request_body_too_large');
    const chunked = await new Promise<{ status: number; code: string | string[] | undefined }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: front.port, method: 'POST', path: '/upload', headers: { host: HOST }, agent: false },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, code: res.headers['x-kupstream-error'] });
        },
      );
      req.on('error', reject);
      // 96 KiB in 8 KiB chunks, without Content-Length.
      for (let i = 0; i < 12; i++) req.write('c'.repeat(8 * 1024));
      req.end();
    });
    assert.deepEqual(chunked, { status: 413, code: 'request_body_too_large' });
    const fits = await request(front.port, HOST, '/upload', { method: 'POST', body: 'd'.repeat(64 * 1024) });
    assert.equal(fits.status, 200);
    assert.equal((JSON.parse(fits.body) as { body: string }).body.length, 64 * 1024);
  });
});
