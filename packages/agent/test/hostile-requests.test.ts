// Hostile model values and hostile clients against the proxy: nothing throws out of the
// request path, Upgrade tunnels only after a 101, paths are normalized before routing and
// forwarded as matched, forwarded headers are the proxy's, and loops are cut.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { Filter, TranslationModel, Upstream } from '@kupstream/core';
import fc from 'fast-check';
import type { ResponseEvent } from '../src/index.js';
import { normalizePath, normalizeRequestTarget } from '../src/request-target.js';
import { storeWith, upstream } from './support/fixtures.js';
import { endpoint, model, request, route, startProxy, type Harness } from './support/proxy-harness.js';
import { httpEchoServer, listen, type Echo, type RunningServer } from './support/servers.js';

const HOST = 'app.example';

function plainUpstream(port: number, protocol: 'http1' | 'http2' = 'http1', name = `up-${port}-${protocol}`): Upstream {
  return { ...upstream({ scheme: 'http', host: '127.0.0.1', port, protocol }), name };
}

function oneRoute(up: Upstream, filters: Filter[] = [], matches: TranslationModel['endpoints'][number]['routes'][number]['matches'] = []) {
  return model([endpoint(`http://${HOST}`, [route('r', [{ upstream: up.name }], { filters, matches })])], [up]);
}

/** Sends raw bytes and collects everything the proxy writes until it closes (or `ms` of silence). */
function rawExchange(port: number, bytes: string, ms = 300): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data);
    };
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      clearTimeout(timer);
      timer = setTimeout(done, ms);
    });
    socket.on('error', reject);
    socket.on('close', done);
    socket.write(bytes);
  });
}

describe('hostile values and clients', () => {
  let echo: RunningServer<http.Server>;
  let h2c: RunningServer<http2.Http2Server>;
  before(async () => {
    echo = await httpEchoServer();
    const server = http2.createServer();
    server.on('stream', (stream, headers) => {
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ path: headers[':path'] }));
    });
    h2c = await listen(server);
  });
  after(async () => {
    await Promise.all([echo.close(), h2c.close()]);
  });

  describe('a model value Node cannot write never throws', () => {
    const unwritable: Filter[] = [
      { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'x-bad', value: 'café ☃' }] } },
    ];
    for (const protocol of ['http1', 'http2'] as const) {
      it(`a ResponseHeaderModifier value outside Latin-1 on ${protocol} answers 502 response_header_invalid and the proxy stays up`, async () => {
        const up = plainUpstream(protocol === 'http1' ? echo.port : h2c.port, protocol);
        const harness = await startProxy({ model: oneRoute(up, unwritable), credentials: storeWith() });
        try {
          const first = await request(harness.server.port, HOST, '/x');
          assert.equal(first.status, 502);
          assert.equal(first.headers['x-kupstream-error'], 'response_header_invalid');
          harness.proxy.update(oneRoute(up));
          const second = await request(harness.server.port, HOST, '/y');
          assert.equal(second.status, 200);
        } finally {
          await harness.close();
        }
      });
    }

    it('a redirect to a non-Latin-1 path answers 502 instead of throwing in writeHead', async () => {
      const up = plainUpstream(echo.port);
      const redirect: Filter = {
        type: 'RequestRedirect',
        requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/café/☃' } },
      };
      const harness = await startProxy({ model: oneRoute(up, [redirect]), credentials: storeWith() });
      try {
        const answer = await request(harness.server.port, HOST, '/old');
        assert.equal(answer.status, 502);
        assert.equal(answer.headers['x-kupstream-error'], 'response_header_invalid');
        assert.equal((await request(harness.server.port, HOST, '/old')).status, 502);
      } finally {
        await harness.close();
      }
    });
  });

  describe('Upgrade', () => {
    it('an upstream that answers 200 gets its answer relayed and the client connection closed: later bytes are never tunnelled', async () => {
      const seen: string[] = [];
      const upstreamServer = await httpEchoServer((req, res) => {
        seen.push(`${req.method} ${req.url}`);
        res.end('plain');
      });
      const up = plainUpstream(upstreamServer.port);
      const harness = await startProxy({ model: oneRoute(up), credentials: storeWith() });
      const events: ResponseEvent[] = [];
      harness.proxy.on('response', (e) => events.push(e));
      try {
        const text = await rawExchange(
          harness.server.port,
          `GET /ws HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n` +
            `GET /smuggled HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`,
        );
        assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
        assert.match(text, /connection: close/i);
        assert.match(text, /plain$/);
        assert.deepEqual(seen, ['GET /ws']);
        assert.deepEqual(
          events.map((e) => [e.path, e.status]),
          [['/ws', 200]],
        );
      } finally {
        await harness.close();
        await upstreamServer.close();
      }
    });

    it('a 101 opens the tunnel and is reported like any other response', async () => {
      const server = http.createServer();
      server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: shout\r\n\r\n`);
        socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()));
      });
      const upstreamServer = await listen(server);
      const up = plainUpstream(upstreamServer.port);
      const harness = await startProxy({ model: oneRoute(up), credentials: storeWith() });
      const events: ResponseEvent[] = [];
      harness.proxy.on('response', (e) => events.push(e));
      try {
        const socket = net.connect(harness.server.port, '127.0.0.1');
        socket.write(`GET /ws HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n`);
        let data = '';
        await new Promise<void>((resolve) => {
          socket.on('data', (chunk: Buffer) => {
            data += chunk.toString();
            if (data.includes('\r\n\r\n') && !data.includes('HELLO')) socket.write('hello');
            if (data.includes('HELLO')) resolve();
          });
        });
        socket.destroy();
        assert.match(data, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
        assert.deepEqual(
          events.map((e) => [e.path, e.status]),
          [['/ws', 101]],
        );
      } finally {
        await harness.close();
        await upstreamServer.close();
      }
    });
  });

  describe('request-target normalization', () => {
    let harness: Harness;
    before(async () => {
      const up = plainUpstream(echo.port);
      harness = await startProxy({
        model: oneRoute(up, [], [{ path: { type: 'PathPrefix', value: '/public' } }]),
        credentials: storeWith(),
      });
    });
    after(() => harness.close());

    const cases: [string, number, string | undefined][] = [
      ['/public/../admin', 404, undefined],
      ['/public/%2e%2e/admin', 404, undefined],
      ['/public/%2E%2e/%2e%2E/admin', 404, undefined],
      ['/public/..%2fadmin', 400, undefined],
      ['/public/..%5Cadmin', 400, undefined],
      ['/public/%zz', 400, undefined],
      ['/public/%41bc', 200, '/public/Abc'],
      ['/public//x/./y/../z?q=%2e', 200, '/public/x/z?q=%2e'],
      ['/x/../public/a', 200, '/public/a'],
    ];
    for (const [path, status, forwarded] of cases) {
      it(`${path} → ${status}${forwarded ? ` forwarded as ${forwarded}` : ''}`, async () => {
        const answer = await request(harness.server.port, HOST, path);
        assert.equal(answer.status, status, answer.body);
        if (forwarded) assert.equal((JSON.parse(answer.body) as Echo).url, forwarded);
      });
    }

    it('an absolute-form target with another authority is refused; with the Host authority it goes out in origin-form', async () => {
      const other = await request(harness.server.port, HOST, 'http://other.internal/public/x');
      assert.equal(other.status, 400);
      assert.equal(other.headers['x-kupstream-error'], 'authority_mismatch');
      const same = await request(harness.server.port, HOST, `http://${HOST.toUpperCase()}:80/public/x`);
      assert.equal(same.status, 200);
      assert.equal((JSON.parse(same.body) as Echo).url, '/public/x');
    });

    it("the client's X-Forwarded-Host and -Proto are replaced by the proxy's", async () => {
      const answer = await request(harness.server.port, HOST, '/public', {
        headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
      });
      const seen = (JSON.parse(answer.body) as Echo).headers;
      assert.equal(seen['x-forwarded-host'], HOST);
      assert.equal(seen['x-forwarded-proto'], 'http');
    });

    it('normalizePath: idempotent, no dot-segments, no empty segments, never an escaped slash', () => {
      const segment = fc.oneof(
        fc.constantFrom('.', '..', '', '%2e', '%2E%2e', 'a', 'b%41', '%7e', 'é', '%2f', '%zz', '\\'),
        fc.string({ maxLength: 4 }),
      );
      fc.assert(
        fc.property(fc.array(segment, { maxLength: 8 }), (segments) => {
          const raw = `/${segments.join('/')}`;
          const out = normalizePath(raw);
          if (out === undefined) return;
          assert.equal(normalizePath(out), out);
          const inner = out.split('/').slice(1, -1);
          assert.ok(!inner.some((s) => s === '' || s === '.' || s === '..'), out);
          assert.doesNotMatch(out, /%2f|%5c|\\/i);
          assert.match(out, /^\/[\x21-\x7e]*$/);
        }),
      );
    });

    it('normalizeRequestTarget refuses asterisk- and authority-form targets', () => {
      assert.deepEqual(normalizeRequestTarget('*', HOST), { ok: false, code: 'path_invalid', path: '*' });
      assert.equal(normalizeRequestTarget('app.example:443', HOST).ok, false);
    });
  });

  describe('loops', () => {
    it('an upstream that is the proxy itself is cut after one hop with 508 loop_detected', async () => {
      const server = http.createServer();
      const running = await listen(server);
      const self = plainUpstream(running.port);
      const { createProxy } = await import('../src/index.js');
      const proxy = createProxy({ model: oneRoute(self), credentials: storeWith() });
      proxy.attach(server);
      let requests = 0;
      server.prependListener('request', () => requests++);
      try {
        const answer = await request(running.port, HOST, '/');
        assert.equal(answer.status, 508);
        assert.equal(answer.headers['x-kupstream-error'], 'loop_detected');
        assert.equal(requests, 2);
      } finally {
        await proxy.close();
        await running.close();
      }
    });

    it('a client cannot make a request look looped', async () => {
      const harness = await startProxy({ model: oneRoute(plainUpstream(echo.port)), credentials: storeWith() });
      try {
        const answer = await request(harness.server.port, HOST, '/', { headers: { 'x-kupstream-hop': 'guess, another' } });
        assert.equal(answer.status, 200);
        const hops = String((JSON.parse(answer.body) as Echo).headers['x-kupstream-hop']);
        assert.match(hops, /^guess, another, [\w-]+$/);
      } finally {
        await harness.close();
      }
    });
  });

  describe('denied upstreams', () => {
    it("refuses an upstream that is the proxy's own listener without dialing it: 500 upstream_denied", async () => {
      const server = http.createServer();
      const running = await listen(server);
      const { createProxy } = await import('../src/index.js');
      const proxy = createProxy({
        model: oneRoute(plainUpstream(running.port)),
        credentials: storeWith(),
        denyUpstreams: { ownAddresses: () => [{ address: '0.0.0.0', port: running.port }] },
      });
      proxy.attach(server);
      try {
        const answer = await request(running.port, HOST, '/');
        assert.equal(answer.status, 500);
        assert.equal(answer.headers['x-kupstream-error'], 'upstream_denied');
        assert.equal(running.connections, 1);
      } finally {
        await proxy.close();
        await running.close();
      }
    });

    for (const [what, host] of [
      ['an IP literal', '127.0.0.1'],
      ['a name that resolves into the range', 'localhost'],
    ] as const) {
      it(`refuses ${what} in a denied CIDR block, over HTTP/1.1, HTTP/2 and Upgrade`, async () => {
        const before = echo.connections;
        const ups = [
          { ...plainUpstream(echo.port), url: `http://${host}:${echo.port}`, name: 'h1' },
          { ...plainUpstream(h2c.port, 'http2'), url: `http://${host}:${h2c.port}`, name: 'h2' },
        ];
        for (const up of ups) {
          const harness = await startProxy({
            model: oneRoute(up),
            credentials: storeWith(),
            denyUpstreams: { cidrs: ['127.0.0.0/8', '::1/128'] },
          });
          try {
            const answer = await request(harness.server.port, HOST, '/');
            assert.equal(answer.status, 500, answer.body);
            assert.equal(answer.headers['x-kupstream-error'], 'upstream_denied');
            if (up.name === 'h1') {
              const text = await rawExchange(
                harness.server.port,
                `GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n`,
              );
              assert.match(text, /^HTTP\/1\.1 500 [^\r]*\r\n[\s\S]*x-kupstream-error: upstream_denied/);
            }
          } finally {
            await harness.close();
          }
        }
        assert.equal(echo.connections, before);
      });
    }

    it('a malformed CIDR is refused when the proxy is created', async () => {
      const { createProxy } = await import('../src/index.js');
      for (const cidr of ['10.0.0.0/33', 'nope', '10.0.0.0/x', 'fd00::/129'])
        assert.throws(
          () => createProxy({ model: oneRoute(plainUpstream(1)), credentials: storeWith(), denyUpstreams: { cidrs: [cidr] } }),
          /is not a CIDR block/,
        );
    });
  });
});
