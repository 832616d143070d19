// Attribution of requests to routes and upstreams from the agent's own events, checked
// against what actually answered: two plain upstreams behind one weighted route, hit
// concurrently with identical requests.
import assert from 'node:assert/strict';
import http from 'node:http';
import { createProxy, CredentialStore, type Proxy } from '@kupstream/agent';
import type { TranslationModel } from '@kupstream/core';
import { attributeProxyEvents, recordProxyMetrics } from '../src/proxy-events.js';
import { instrumentHandler } from '../src/instrument-handler.js';
import { createMetrics } from '../src/metrics.js';
import { RequestLog } from '../src/request-log.js';
import { closeServer, listening, send, waitFor } from './helpers.js';

function model(): TranslationModel {
  return {
    endpoints: [
      {
        name: 'split',
        url: 'https://split.example',
        sources: [{ kind: 'HTTPRoute', namespace: 'default', name: 'split' }],
        routes: [
          {
            name: 'split-route',
            matches: [],
            backends: [
              { upstream: 'blue', weight: 1 },
              { upstream: 'green', weight: 1 },
            ],
          },
        ],
      },
    ],
    upstreams: [
      { name: 'blue', url: 'http://blue.default:80', protocol: 'http1' },
      { name: 'green', url: 'http://green.default:80', protocol: 'http1' },
      { name: 'gone', url: 'http://gone.default:80', protocol: 'http1' },
    ],
    statuses: [],
    diagnostics: [],
  };
}

describe('admin/proxy events (with the agent proxy)', () => {
  const servers: http.Server[] = [];
  let proxy: Proxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    await Promise.all(servers.splice(0).map(closeServer));
  });

  it('attributes each of many concurrent identical requests to the upstream that served it', async () => {
    const ports: Record<string, number> = {};
    for (const color of ['blue', 'green']) {
      // Headers at once, the end after a random delay: many responses are under way
      // together with identical facts, and they finish out of order.
      const server = http.createServer((_req, res) => {
        res.writeHead(200, { 'x-served-by': color });
        res.write('.');
        setTimeout(() => res.end(color), Math.random() * 40);
      });
      servers.push(server);
      ports[`${color}.default`] = await listening(server);
    }
    proxy = createProxy({
      model: model(),
      credentials: new CredentialStore(),
      resolve: (host) => (ports[host] ? { host: '127.0.0.1', port: ports[host] } : undefined),
    });
    const log = new RequestLog();
    const attribution = attributeProxyEvents(proxy);
    const metrics = createMetrics({ defaultMetrics: false });
    const stop = recordProxyMetrics(proxy, metrics);
    const agent = http.createServer(instrumentHandler(proxy.handler, log, attribution));
    servers.push(agent);
    const port = await listening(agent);

    const replies = await Promise.all(Array.from({ length: 24 }, () => send(port, { path: '/same', headers: { host: 'split.example' } })));
    assert.ok(replies.every((r) => r.status === 200));
    await waitFor(() => log.size === 24, 5000, 'all records');
    const records = log.list();
    for (const r of records) {
      assert.equal(r.route, 'split-route');
      assert.equal(r.upstream, r.responseHeaders['x-served-by'], `record ${r.id}`);
    }
    const served = new Set(records.map((r) => r.upstream));
    assert.deepEqual([...served].sort(), ['blue', 'green'], 'both upstreams took traffic');
    const text = await metrics.text();
    const count = (u: string) =>
      Number(new RegExp(`kupstream_requests_total\\{endpoint="split",upstream="${u}",code="200"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    assert.equal(count('blue') + count('green'), 24);
    assert.equal(count('blue'), records.filter((r) => r.upstream === 'blue').length);
    stop();
    attribution.dispose();
  });

  it('attributes answers the proxy gives itself, and counts upstream failures by code', async () => {
    const closed = http.createServer();
    const closedPort = await listening(closed);
    await closeServer(closed);
    const m = model();
    m.endpoints.push({
      name: 'gone',
      url: 'https://gone.example',
      sources: [],
      routes: [{ name: 'gone-route', matches: [], backends: [{ upstream: 'gone', weight: 1 }] }],
    });
    proxy = createProxy({
      model: m,
      credentials: new CredentialStore(),
      resolve: (host) => (host === 'gone.default' ? { host: '127.0.0.1', port: closedPort } : undefined),
    });
    const log = new RequestLog();
    const attribution = attributeProxyEvents(proxy);
    const metrics = createMetrics({ defaultMetrics: false });
    const stop = recordProxyMetrics(proxy, metrics);
    const agent = http.createServer(instrumentHandler(proxy.handler, log, attribution));
    servers.push(agent);
    const port = await listening(agent);

    const refused = await send(port, { path: '/x', headers: { host: 'gone.example' } });
    const unknown = await send(port, { path: '/x', headers: { host: 'nobody.example' } });
    assert.equal(refused.status, 502);
    assert.equal(refused.headers['x-kupstream-error'], 'connection_refused');
    assert.equal(unknown.status, 404);
    await waitFor(() => log.size === 2, 5000, 'both records');
    const [notFound, failed] = log.list();
    assert.deepEqual(
      { status: failed?.status, error: failed?.error, route: failed?.route, upstream: failed?.upstream },
      { status: 502, error: 'connection_refused', route: 'gone-route', upstream: 'gone' },
    );
    assert.deepEqual(
      { status: notFound?.status, error: notFound?.error, route: notFound?.route, upstream: notFound?.upstream },
      { status: 404, error: 'route_not_found', route: undefined, upstream: undefined },
    );
    const text = await metrics.text();
    assert.ok(text.includes('kupstream_upstream_failures_total{upstream="gone",code="connection_refused"} 1'));
    assert.ok(text.includes('kupstream_requests_total{endpoint="",upstream="",code="404"} 1'));
    stop();
    attribution.dispose();
  });
});
