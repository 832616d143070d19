import assert from 'node:assert/strict';
import http from 'node:http';
import { createProxy, CredentialStore, UpstreamError, type Proxy } from '@kupstream/agent';
import type { TranslationModel } from '@kupstream/core';
import { createTranslationResult } from '@kupstream/core/building-blocks';
import { startAdmin, type AdminRuntime } from '../src/admin-runtime.js';
import { AdminBindError } from '../src/bind-address.js';
import type { RequestSummary, StatusView } from '../src/api.js';
import { closeServer, getJson, listening, send, waitFor } from './helpers.js';

function model(): TranslationModel {
  return {
    endpoints: [
      {
        name: 'app',
        url: 'https://app.example',
        sources: [],
        routes: [{ name: 'app-route', matches: [], backends: [{ upstream: 'app-up', weight: 1 }] }],
      },
    ],
    upstreams: [{ name: 'app-up', url: 'http://app.default:80', protocol: 'http1' }],
    statuses: [],
    diagnostics: [{ severity: 'error', code: 'Broken', message: 'x', resource: { kind: 'Service', name: 'y' } }],
  };
}

describe('admin/startAdmin (with the agent proxy)', () => {
  let proxy: Proxy;
  let runtime: AdminRuntime | undefined;
  const servers: http.Server[] = [];
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
    await proxy.close();
    await Promise.all(servers.splice(0).map(closeServer));
  });

  it('wires log, metrics and readiness around the proxy', async () => {
    const upstream = http.createServer((_req, res) => res.end('up'));
    servers.push(upstream);
    const upstreamPort = await listening(upstream);
    const credentials = new CredentialStore();
    credentials.set({ namespace: 'default', name: 'c' }, { certChainPem: 'cert', keyPem: 'key' });
    const result = createTranslationResult(model(), credentials);
    proxy = createProxy({ model: result, credentials, resolve: () => ({ host: '127.0.0.1', port: upstreamPort }) });
    runtime = await startAdmin({ address: '127.0.0.1:0', proxy, metrics: { defaultMetrics: false }, requestLog: { capacity: 10 } });
    assert.equal(runtime.warning, undefined);
    const adminPort = Number(new URL(runtime.url).port);
    assert.equal((await send(adminPort, { path: '/readyz' })).status, 503);
    runtime.setModel(result, { translationMs: 12 });
    assert.equal((await send(adminPort, { path: '/readyz' })).status, 503, 'a model alone is not ready');
    runtime.setReady(true);
    assert.equal((await send(adminPort, { path: '/readyz' })).status, 200);
    const status = (await getJson<StatusView>(adminPort, '/api/status')).body;
    assert.deepEqual(status.credentials, { clients: [{ key: 'default/c', version: 1 }], caBundles: [] });
    assert.equal(status.requests.capacity, 10);

    const agent = http.createServer(runtime.instrument(proxy.handler));
    servers.push(agent);
    const agentPort = await listening(agent);
    assert.equal((await send(agentPort, { path: '/a', headers: { host: 'app.example' } })).body, 'up');
    await waitFor(() => runtime!.requestLog.size === 1, 5000, 'the record');
    const listed = (await getJson<{ requests: RequestSummary[] }>(adminPort, '/api/requests')).body.requests;
    assert.deepEqual(
      listed.map((r) => [r.path, r.status, r.route, r.upstream]),
      [['/a', 200, 'app-route', 'app-up']],
    );
    const metrics = (await send(adminPort, { path: '/metrics' })).body;
    assert.ok(metrics.includes('kupstream_requests_total{endpoint="app",upstream="app-up",code="200"} 1'));
    assert.ok(metrics.includes('kupstream_diagnostics{severity="error",code="Broken"} 1'));
    assert.ok(metrics.includes('kupstream_translation_duration_seconds_count 1'));
    runtime.setLeader(false);
    assert.match((await send(adminPort, { path: '/metrics' })).body, /^kupstream_leader 0$/m);

    await runtime.close();
    runtime = undefined;
    assert.equal(proxy.listenerCount('response'), 0, 'no listener left on the proxy');
    await assert.rejects(send(adminPort, { path: '/healthz' }), /ECONNREFUSED/);
  });

  it("records a verification failure from the proxy's events for the inspector's badge", async () => {
    proxy = createProxy({ model: createTranslationResult(model()), credentials: new CredentialStore() });
    let handshakes = 1;
    runtime = await startAdmin({
      address: '127.0.0.1:0',
      proxy,
      pools: () => [{ upstream: 'app-up', active: 0, idle: 0, handshakes: { full: handshakes, resumed: 0 } }],
    });
    const verifying: TranslationModel = {
      ...model(),
      upstreams: [
        {
          name: 'app-up',
          url: 'https://app.default:443',
          protocol: 'http1',
          tls: {
            serverName: 'app.default',
            alpn: ['http/1.1'],
            minVersion: 'TLSv1.2',
            verification: {
              mode: 'system',
              hostname: 'app.default',
              source: { kind: 'BackendTLSPolicy', namespace: 'default', name: 'p' },
            },
          },
        },
      ],
    };
    runtime.setModel(verifying);
    const port = Number(new URL(runtime.url).port);
    const badge = async () =>
      (await getJson<{ upstreams: { tls?: { verification: { verified: boolean; failure?: string } } }[] }>(port, '/api/upstreams')).body
        .upstreams[0]?.tls?.verification;
    assert.deepEqual(await badge(), {
      mode: 'system',
      checked: true,
      verified: true,
      hostname: 'app.default',
      source: { kind: 'BackendTLSPolicy', namespace: 'default', name: 'p' },
    });
    proxy.emit('upstreamError', {
      method: 'GET',
      path: '/',
      upstream: 'app-up',
      error: new UpstreamError('certificate_untrusted', 'untrusted', { phase: 'verify', upstream: 'app-up' }),
    });
    assert.equal((await badge())?.failure, 'certificate_untrusted');
    assert.equal((await badge())?.verified, false);
    handshakes = 2;
    assert.equal((await badge())?.verified, true);
    // A probe that fails the check is the latest failure; one that passes after it verifies again.
    const later = (ms: number) => new Date(Date.now() + ms).toISOString();
    runtime.setHandshakes([{ upstream: 'app-up', ok: false, code: 'hostname_mismatch', at: later(1000), expiry: {} }]);
    assert.deepEqual([(await badge())?.verified, (await badge())?.failure], [false, 'hostname_mismatch']);
    runtime.setHandshakes([{ upstream: 'app-up', ok: true, at: later(2000), expiry: {} }]);
    assert.deepEqual([(await badge())?.verified, (await badge())?.failure], [true, undefined]);
  });

  it('shows the worker processes a host reports in /api/status and the worker metrics; entries say which worker served them', async () => {
    proxy = createProxy({ model: createTranslationResult(model()) });
    runtime = await startAdmin({ address: '127.0.0.1:0', proxy, metrics: { defaultMetrics: false } });
    const adminPort = Number(new URL(runtime.url).port);
    assert.equal((await getJson<StatusView>(adminPort, '/api/status')).body.workers, undefined, 'absent for a host without workers');
    const at = '2026-01-01T00:00:00.000Z';
    runtime.setWorkers([
      { slot: 1, pid: 101, state: 'serving', restarts: 0, startedAt: at },
      { slot: 2, pid: 102, state: 'serving', restarts: 0, startedAt: at },
    ]);
    runtime.setWorkers([
      { slot: 1, pid: 103, state: 'starting', restarts: 1, startedAt: at },
      { slot: 2, pid: 102, state: 'serving', restarts: 0, startedAt: at },
    ]);
    const status = (await getJson<StatusView>(adminPort, '/api/status')).body;
    assert.deepEqual(status.workers, [
      { slot: 1, pid: 103, state: 'starting', restarts: 1, startedAt: at },
      { slot: 2, pid: 102, state: 'serving', restarts: 0, startedAt: at },
    ]);
    const metrics = await runtime.metrics.text();
    assert.match(metrics, /^kupstream_workers\{state="serving"\} 1$/m);
    assert.match(metrics, /^kupstream_workers\{state="starting"\} 1$/m);
    assert.match(metrics, /^kupstream_worker_restarts_total 1$/m);
    runtime.requestLog.add({
      time: new Date(at),
      method: 'GET',
      host: 'app.example',
      path: '/w',
      status: 200,
      durationMs: 1,
      worker: 2,
      requestHeaders: {},
      responseHeaders: {},
    });
    const { body } = await getJson<{ requests: RequestSummary[] }>(adminPort, '/api/requests');
    assert.equal(body.requests[0]?.worker, 2);
  });

  it('says why it cannot listen, and refuses non-loopback addresses without the flag', async () => {
    proxy = createProxy({ model: model(), credentials: new CredentialStore() });
    const taken = http.createServer();
    servers.push(taken);
    const port = await listening(taken);
    await assert.rejects(
      startAdmin({ address: `127.0.0.1:${port}`, proxy, metrics: { defaultMetrics: false } }),
      /cannot serve the admin page on 127\.0\.0\.1:\d+: the address is in use/,
    );
    assert.equal(proxy.listenerCount('response'), 0, 'a failed start leaves no listener');
    await assert.rejects(startAdmin({ address: '0.0.0.0:0', proxy }), AdminBindError);
  });
});
