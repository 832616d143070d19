// A route's timeouts, retry, request mirrors, CORS and backend filters, through a real proxy
// and real loopback upstreams (no timing assertions: an upstream either answers or never does).
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { Filter, Route, Upstream } from '@kupstream/core';
import { endpoint, model, request, route, startProxy, type Harness } from './support/proxy-harness.js';
import { storeWith, upstream } from './support/fixtures.js';
import { closedPort, httpEchoServer, type RunningServer } from './support/servers.js';

const HOST = 'app.example';

function plainUpstream(port: number, name = `up-${port}`): Upstream {
  return { ...upstream({ scheme: 'http', host: '127.0.0.1', port, protocol: 'http1' }), name };
}

/** An upstream whose answers are scripted per request (by arrival order); it logs each path. */
async function scripted(answers: ((res: http.ServerResponse) => void)[]): Promise<RunningServer<http.Server> & { seen: string[] }> {
  const seen: string[] = [];
  const running = await httpEchoServer((req, res) => {
    seen.push(req.url ?? '');
    const answer = answers[seen.length - 1] ?? ((r: http.ServerResponse) => r.writeHead(200).end('ok'));
    answer(res);
  });
  return Object.assign(running, { seen });
}

const status = (code: number) => (res: http.ServerResponse) => res.writeHead(code).end(String(code));
const never = () => undefined;
const reset = (res: http.ServerResponse) => res.socket?.resetAndDestroy();

async function proxyFor(routes: Route[], upstreams: Upstream[], random?: () => number): Promise<Harness> {
  return startProxy({
    model: model([endpoint(`http://${HOST}`, routes)], upstreams),
    credentials: storeWith(),
    ...(random ? { random } : {}),
  });
}

describe('route timeouts and retry', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('timeouts.request answers 504 request_timeout when no response head comes in time; others pass', async () => {
    const up = await scripted([never, status(200)]);
    const h = await proxyFor([route('r', [{ upstream: 'u' }], { timeouts: { requestMs: 150 } })], [plainUpstream(up.port, 'u')]);
    closers.push(
      () => h.close(),
      () => up.close(),
    );
    const slow = await request(h.server.port, HOST, '/slow');
    assert.equal(slow.status, 504);
    assert.equal(slow.headers['x-kupstream-error'], 'request_timeout');
    assert.equal((await request(h.server.port, HOST, '/fast')).status, 200);
  });

  it('timeouts.backendRequest answers 504 backend_timeout for an attempt without a response head', async () => {
    const up = await scripted([never]);
    const h = await proxyFor([route('r', [{ upstream: 'u' }], { timeouts: { backendRequestMs: 150 } })], [plainUpstream(up.port, 'u')]);
    closers.push(
      () => h.close(),
      () => up.close(),
    );
    const answer = await request(h.server.port, HOST, '/');
    assert.equal(answer.status, 504);
    assert.equal(answer.headers['x-kupstream-error'], 'backend_timeout');
  });

  it('retries the listed statuses up to attempts more times; the last answer passes through', async () => {
    const up = await scripted([status(500), status(500), status(200)]);
    const h = await proxyFor(
      [route('r', [{ upstream: 'u' }], { retry: { attempts: 2, codes: [500], backoffMs: 1 } })],
      [plainUpstream(up.port, 'u')],
    );
    closers.push(
      () => h.close(),
      () => up.close(),
    );
    assert.equal((await request(h.server.port, HOST, '/a')).status, 200);
    assert.equal(up.seen.length, 3);

    const exhausted = await scripted([status(500), status(500), status(500), status(200)]);
    const h2 = await proxyFor(
      [route('r', [{ upstream: 'u' }], { retry: { attempts: 2, codes: [500], backoffMs: 1 } })],
      [plainUpstream(exhausted.port, 'u')],
    );
    closers.push(
      () => h2.close(),
      () => exhausted.close(),
    );
    const last = await request(h2.server.port, HOST, '/b');
    assert.equal(last.status, 500);
    assert.equal(last.body, '500');
    assert.equal(exhausted.seen.length, 3);
  });

  it('retried attempts take their listeners off the response: no MaxListenersExceededWarning after five retries', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const up = await scripted([status(500), status(500), status(500), status(500), status(500), status(200)]);
      const h = await proxyFor(
        [route('r', [{ upstream: 'u' }], { retry: { attempts: 5, codes: [500], backoffMs: 1 } })],
        [plainUpstream(up.port, 'u')],
      );
      closers.push(
        () => h.close(),
        () => up.close(),
      );
      assert.equal((await request(h.server.port, HOST, '/many')).status, 200);
      assert.equal(up.seen.length, 6);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings, []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a status not in codes is not retried', async () => {
    const up = await scripted([status(503), status(200)]);
    const h = await proxyFor(
      [route('r', [{ upstream: 'u' }], { retry: { attempts: 3, codes: [500], backoffMs: 1 } })],
      [plainUpstream(up.port, 'u')],
    );
    closers.push(
      () => h.close(),
      () => up.close(),
    );
    assert.equal((await request(h.server.port, HOST, '/')).status, 503);
    assert.equal(up.seen.length, 1);
  });

  it('connection failures are retried; out of attempts they answer 503 retries_exhausted', async () => {
    const up = await scripted([reset, reset, status(200)]);
    const h = await proxyFor([route('r', [{ upstream: 'u' }], { retry: { attempts: 2, backoffMs: 1 } })], [plainUpstream(up.port, 'u')]);
    closers.push(
      () => h.close(),
      () => up.close(),
    );
    assert.equal((await request(h.server.port, HOST, '/')).status, 200);

    const port = await closedPort();
    const h2 = await proxyFor([route('r', [{ upstream: 'u' }], { retry: { attempts: 2, backoffMs: 1 } })], [plainUpstream(port, 'u')]);
    closers.push(() => h2.close());
    const failed = await request(h2.server.port, HOST, '/');
    assert.equal(failed.status, 503);
    assert.equal(failed.headers['x-kupstream-error'], 'retries_exhausted');
  });

  it('backend timeouts are retried, and the request timeout bounds every attempt together', async () => {
    const up = await scripted([never, status(200)]);
    const h = await proxyFor(
      [route('r', [{ upstream: 'u' }], { timeouts: { backendRequestMs: 100 }, retry: { attempts: 1, backoffMs: 1 } })],
      [plainUpstream(up.port, 'u')],
    );
    closers.push(
      () => h.close(),
      () => up.close(),
    );
    assert.equal((await request(h.server.port, HOST, '/')).status, 200);

    const hung = await scripted([never, never, never, never]);
    const h2 = await proxyFor(
      [route('r', [{ upstream: 'u' }], { timeouts: { requestMs: 200, backendRequestMs: 150 }, retry: { attempts: 100, backoffMs: 1 } })],
      [plainUpstream(hung.port, 'u')],
    );
    closers.push(
      () => h2.close(),
      () => hung.close(),
    );
    const answer = await request(h2.server.port, HOST, '/');
    assert.equal(answer.status, 504);
    assert.equal(answer.headers['x-kupstream-error'], 'request_timeout');
  });

  it('a request with a body is sent once, never replayed', async () => {
    const up = await scripted([status(500), status(200)]);
    const h = await proxyFor(
      [route('r', [{ upstream: 'u' }], { retry: { attempts: 2, codes: [500], backoffMs: 1 } })],
      [plainUpstream(up.port, 'u')],
    );
    closers.push(
      () => h.close(),
      () => up.close(),
    );
    assert.equal((await request(h.server.port, HOST, '/', { method: 'POST', body: 'payload' })).status, 500);
    assert.equal(up.seen.length, 1);
  });
});

describe('request mirrors', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('sends a copy to every mirror in its share, without waiting for or failing on it', async () => {
    const main = await scripted([]);
    const mirror = await scripted([]);
    const dead = await closedPort();
    const filters: Filter[] = [
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-set', value: '1' }] } },
      { type: 'RequestMirror', requestMirror: { upstream: 'mirror' } },
      { type: 'RequestMirror', requestMirror: { upstream: 'dead' } },
      { type: 'RequestMirror', requestMirror: { upstream: 'never', fraction: { numerator: 1, denominator: 2 } } },
    ];
    let draws = 0;
    // 0.75 of a 1/2 share: not mirrored.
    const random = () => (draws++ === 0 ? 0 : 0.75);
    const h = await proxyFor(
      [route('r', [{ upstream: 'main' }], { filters })],
      [
        plainUpstream(main.port, 'main'),
        plainUpstream(mirror.port, 'mirror'),
        plainUpstream(dead, 'dead'),
        plainUpstream(mirror.port, 'never'),
      ],
      random,
    );
    closers.push(
      () => h.close(),
      () => main.close(),
      () => mirror.close(),
    );
    assert.equal((await request(h.server.port, HOST, '/m?q=1')).status, 200);
    while (mirror.seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(mirror.seen, ['/m?q=1']);
    assert.deepEqual(main.seen, ['/m?q=1']);
  });

  it('a mirror that never answers does not delay the answer', async () => {
    const main = await scripted([]);
    const mirror = await scripted([never]);
    const h = await proxyFor(
      [route('r', [{ upstream: 'main' }], { filters: [{ type: 'RequestMirror', requestMirror: { upstream: 'mirror' } }] })],
      [plainUpstream(main.port, 'main'), plainUpstream(mirror.port, 'mirror')],
    );
    closers.push(
      () => h.close(),
      () => main.close(),
      () => mirror.close(),
    );
    assert.equal((await request(h.server.port, HOST, '/')).status, 200);
  });
});

describe('CORS and backend filters', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  const cors: Filter = {
    type: 'CORS',
    cors: {
      allowOrigins: ['https://www.foo.com', 'https://*.bar.com'],
      allowMethods: ['GET'],
      allowHeaders: ['*'],
      exposeHeaders: ['x-e'],
      allowCredentials: true,
      maxAge: 60,
    },
  };

  it('answers an allowed preflight itself, and an unknown origin without CORS headers', async () => {
    const up = await scripted([]);
    const h = await proxyFor([route('r', [{ upstream: 'u' }], { filters: [cors] })], [plainUpstream(up.port, 'u')]);
    closers.push(
      () => h.close(),
      () => up.close(),
    );
    const preflight = {
      origin: 'https://a.b.bar.com',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'x-a, x-b',
    };
    const ok = await request(h.server.port, HOST, '/', { method: 'OPTIONS', headers: preflight });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers['access-control-allow-origin'], 'https://a.b.bar.com');
    assert.equal(ok.headers['access-control-allow-methods'], 'GET');
    assert.equal(ok.headers['access-control-allow-headers'], 'x-a, x-b');
    assert.equal(ok.headers['access-control-allow-credentials'], 'true');
    assert.equal(ok.headers['access-control-max-age'], '60');
    const refused = await request(h.server.port, HOST, '/', { method: 'OPTIONS', headers: { ...preflight, origin: 'https://bar.com' } });
    assert.equal(refused.status, 204);
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
    assert.equal(up.seen.length, 0);
  });

  it('adds the response headers for an allowed origin on an actual request, none otherwise', async () => {
    const up = await scripted([]);
    const h = await proxyFor([route('r', [{ upstream: 'u' }], { filters: [cors] })], [plainUpstream(up.port, 'u')]);
    closers.push(
      () => h.close(),
      () => up.close(),
    );
    const ok = await request(h.server.port, HOST, '/', { headers: { origin: 'https://www.foo.com' } });
    assert.equal(ok.headers['access-control-allow-origin'], 'https://www.foo.com');
    assert.equal(ok.headers['access-control-allow-credentials'], 'true');
    assert.equal(ok.headers['access-control-expose-headers'], 'x-e');
    const other = await request(h.server.port, HOST, '/', { headers: { origin: 'https://foo.com' } });
    assert.equal(other.status, 200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const none = await request(h.server.port, HOST, '/');
    assert.equal(none.headers['access-control-allow-origin'], undefined);
  });

  it('applies a backend’s filters only when that backend is chosen', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const up = await httpEchoServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200).end();
    });
    let next = 0;
    const picks = [0.1, 0.9];
    const h = await proxyFor(
      [route('r', [], {})].map((r) => ({
        ...r,
        backends: [
          {
            upstream: 'a',
            weight: 1,
            filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-backend', value: 'a' }] } }],
          },
          { upstream: 'b', weight: 1, filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'b.example', statusCode: 301 } }] },
        ],
      })) as Route[],
      [plainUpstream(up.port, 'a'), plainUpstream(up.port, 'b')],
      () => picks[next++ % 2]!,
    );
    closers.push(
      () => h.close(),
      () => up.close(),
    );
    assert.equal((await request(h.server.port, HOST, '/x')).status, 200);
    assert.equal(seen[0]?.['x-backend'], 'a');
    const redirected = await request(h.server.port, HOST, '/x');
    assert.equal(redirected.status, 301);
    assert.equal(redirected.headers.location, 'http://b.example/x');
    assert.equal(seen.length, 1);
  });
});
