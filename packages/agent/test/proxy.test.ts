import assert from 'node:assert/strict';
import type https from 'node:https';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import type { UpstreamErrorEvent } from '../src/index.js';
import { storeWith, toLoopback, upstream } from './support/fixtures.js';
import { endpoint, model, request, route, seedModel, startProxy } from './support/proxy-harness.js';
import { closedPort, httpsEchoServer, type Echo, type RunningServer } from './support/servers.js';

describe('createProxy (HTTP/1.1, the seed scenario)', () => {
  let pki: SeedPki;
  let upstreamServer: RunningServer<https.Server>;
  before(async () => {
    pki = await createSeedPki();
    upstreamServer = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
  });
  after(() => upstreamServer.close());

  it('routes Host example-hostname.ngrok.io to the mTLS upstream, which sees CN=ExampleClient', async () => {
    const up = upstream({ client: pki.client });
    const harness = await startProxy({
      model: seedModel(up),
      credentials: storeWith(pki.client),
      resolve: toLoopback(upstreamServer.port),
    });
    try {
      const answer = await request(harness.server.port, 'example-hostname.ngrok.io:8080', '/hello?x=1', { method: 'POST', body: 'ping' });
      assert.equal(answer.status, 200, answer.body);
      const echo = JSON.parse(answer.body) as Echo;
      assert.equal(echo.subject, 'CN=ExampleClient');
      assert.equal(echo.servername, 'example-service.default');
      assert.equal(echo.url, '/hello?x=1');
      assert.equal(echo.method, 'POST');
      assert.equal(echo.body, 'ping');
      assert.equal(echo.headers.host, 'example-hostname.ngrok.io:8080');
      assert.equal(echo.headers['x-forwarded-proto'], 'https');
      assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
    } finally {
      await harness.close();
    }
  });

  it('without the certificate the upstream refuses: 502 client_certificate_required, reported as an event', async () => {
    const up = upstream({ client: false });
    const harness = await startProxy({ model: seedModel(up), credentials: storeWith(), resolve: toLoopback(upstreamServer.port) });
    const events: UpstreamErrorEvent[] = [];
    harness.proxy.on('upstreamError', (e) => events.push(e));
    try {
      const answer = await request(harness.server.port, 'example-hostname.ngrok.io');
      assert.equal(answer.status, 502);
      assert.equal(answer.headers['x-kupstream-error'], 'client_certificate_required');
      assert.match(answer.body, /^502 Bad Gateway: client_certificate_required/);
      assert.equal(events[0]?.error.code, 'client_certificate_required');
      assert.equal(events[0]?.upstream, up.name);
    } finally {
      await harness.close();
    }
  });

  it('fails closed when the model names a certificate the store does not hold (never dialed)', async () => {
    const up = upstream({ client: pki.client });
    const harness = await startProxy({ model: seedModel(up), credentials: storeWith(), resolve: toLoopback(upstreamServer.port) });
    const before = upstreamServer.connections;
    try {
      const answer = await request(harness.server.port, 'example-hostname.ngrok.io');
      assert.equal(answer.status, 502);
      assert.equal(answer.headers['x-kupstream-error'], 'client_certificate_missing');
      assert.equal(upstreamServer.connections, before);
    } finally {
      await harness.close();
    }
  });

  it('unknown host or unmatched path → 404 route_not_found; response routes answer their status', async () => {
    const up = upstream({ client: pki.client });
    const m = model(
      [
        endpoint('https://example-hostname.ngrok.io', [
          route('api', [{ upstream: up.name }], { matches: [{ path: { type: 'PathPrefix', value: '/api' } }] }),
          route('broken', [], { matches: [{ path: { type: 'Exact', value: '/broken' } }], response: { status: 500 } }),
        ]),
      ],
      [up],
    );
    const harness = await startProxy({ model: m, credentials: storeWith(pki.client), resolve: toLoopback(upstreamServer.port) });
    try {
      const unknown = await request(harness.server.port, 'other.example');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.headers['x-kupstream-error'], 'route_not_found');
      assert.equal((await request(harness.server.port, 'example-hostname.ngrok.io', '/apix')).status, 404);
      assert.equal((await request(harness.server.port, 'example-hostname.ngrok.io', '/broken')).status, 500);
      assert.equal((await request(harness.server.port, 'EXAMPLE-hostname.ngrok.io', '/api/v1')).status, 200);
    } finally {
      await harness.close();
    }
  });

  it('an unreachable upstream is 502 connection_refused; an unavailable one 500 upstream_unavailable (Gateway API: invalid backend)', async () => {
    const refused = upstream({ name: 'refused', client: false });
    const unavailable = {
      ...upstream({ name: 'unavailable', client: false }),
      unavailable: { code: 'RefNotPermitted', reason: 'no ReferenceGrant' },
    };
    const m = model(
      [
        endpoint('https://a.example', [route('a', [{ upstream: 'refused' }])]),
        endpoint('https://b.example', [route('b', [{ upstream: 'unavailable' }])]),
      ],
      [refused, unavailable],
    );
    const harness = await startProxy({ model: m, credentials: storeWith(), resolve: toLoopback(await closedPort()) });
    try {
      assert.equal((await request(harness.server.port, 'a.example')).headers['x-kupstream-error'], 'connection_refused');
      const b = await request(harness.server.port, 'b.example');
      assert.equal(b.status, 500);
      assert.equal(b.headers['x-kupstream-error'], 'upstream_unavailable');
    } finally {
      await harness.close();
    }
  });
  it('applies the route filters end to end and splits traffic by weight', async () => {
    const a = upstream({ name: 'a', host: 'a.default', client: pki.client });
    const b = upstream({ name: 'b', host: 'b.default', client: pki.client });
    const m = model(
      [
        endpoint('https://app.example', [
          route('old', [], {
            matches: [{ path: { type: 'PathPrefix', value: '/old' } }],
            filters: [
              {
                type: 'RequestRedirect',
                requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' }, statusCode: 301 },
              },
            ],
          }),
          route('api', [{ upstream: 'a' }], {
            matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
            filters: [
              { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-team', value: 'core' }], remove: ['x-secret'] } },
              {
                type: 'URLRewrite',
                urlRewrite: { hostname: 'internal.default', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v1' } },
              },
              { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-served-by', value: 'kupstream' }] } },
            ],
          }),
          route('split', [
            { upstream: 'a', weight: 1 },
            { upstream: 'b', weight: 3 },
          ]),
        ]),
      ],
      [a, b],
    );
    let tick = 0;
    const harness = await startProxy({
      model: m,
      credentials: storeWith(pki.client),
      resolve: toLoopback(upstreamServer.port),
      random: () => (tick++ % 4) / 4,
    });
    try {
      const redirect = await request(harness.server.port, 'app.example', '/old/page?x=1');
      assert.equal(redirect.status, 301);
      assert.equal(redirect.headers.location, 'https://app.example/new/page?x=1');
      const api = await request(harness.server.port, 'app.example', '/api/items', { headers: { 'x-secret': 'drop-me' } });
      const echo = JSON.parse(api.body) as Echo;
      assert.equal(echo.url, '/v1/items');
      assert.equal(echo.headers.host, 'internal.default');
      assert.equal(echo.headers['x-team'], 'core');
      assert.equal(echo.headers['x-secret'], undefined);
      assert.equal(api.headers['x-served-by'], 'kupstream');
      const servernames: string[] = [];
      for (let i = 0; i < 8; i++)
        servernames.push(String((JSON.parse((await request(harness.server.port, 'app.example', '/split')).body) as Echo).servername));
      assert.deepEqual(servernames.filter((n) => n === 'a.default').length, 2);
      assert.deepEqual(servernames.filter((n) => n === 'b.default').length, 6);
    } finally {
      await harness.close();
    }
  });
});
