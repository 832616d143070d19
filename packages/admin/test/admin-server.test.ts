import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { CredentialStore, type TranslationModel } from '@kupstream/core';
import { createTranslationResult } from '@kupstream/core/building-blocks';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import { createAdminServer, type AdminServer } from '../src/admin-server.js';
import type { AdminState, ResourceStatusView, StatusView, UpstreamView } from '../src/api.js';
import { AdminBindError } from '../src/bind-address.js';
import { createMetrics } from '../src/metrics.js';
import { RequestLog, type RequestEntry, type RequestRecord } from '../src/request-log.js';
import type { RequestSummary } from '../src/api.js';
import { getJson, listening, send } from './helpers.js';
import { SEED_ENDPOINT, SEED_UPSTREAM, seedModel } from './model-fixture.js';

const NOW = new Date('2026-06-01T00:00:00Z');

function entry(overrides: Partial<RequestEntry> = {}): RequestEntry {
  return {
    time: NOW,
    method: 'GET',
    host: 'example-hostname.ngrok.io',
    path: '/',
    status: 200,
    durationMs: 3,
    requestHeaders: {},
    responseHeaders: {},
    ...overrides,
  };
}

/** Reads server-sent events from the admin server until `until` says stop. */
function readEvents(port: number, headers: http.OutgoingHttpHeaders = {}) {
  const frames: { event?: string; id?: string; data?: string }[] = [];
  let buffer = '';
  const req = http.get({ host: '127.0.0.1', port, path: '/api/events', headers, agent: false });
  const opened = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const frame: { event?: string; id?: string; data?: string } = {};
          for (const line of buffer.slice(0, end).split('\n')) {
            const [field, ...rest] = line.split(': ');
            if (field === 'event' || field === 'id' || field === 'data') frame[field] = rest.join(': ');
          }
          buffer = buffer.slice(end + 2);
          if (frame.event) frames.push(frame);
        }
      });
      resolve(res);
    });
    req.on('error', reject);
  });
  return { frames, opened, close: () => req.destroy() };
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('admin/createAdminServer', () => {
  let pki: SeedPki;
  let state: AdminState;
  let log: RequestLog;
  let server: AdminServer;
  let port: number;

  before(async function () {
    this.timeout(20000);
    pki = await createSeedPki();
  });

  beforeEach(async () => {
    state = { model: undefined, ready: false };
    log = new RequestLog({ capacity: 50 });
    server = createAdminServer({
      getState: () => state,
      requestLog: log,
      metrics: createMetrics({ defaultMetrics: false }),
      host: '127.0.0.1',
      port: 0,
      now: () => NOW,
    });
    port = await listening(server);
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('answers /healthz at once and /readyz only once ready with a model', async () => {
    assert.equal((await send(port, { path: '/healthz' })).status, 200);
    let ready = await send(port, { path: '/readyz' });
    assert.equal(ready.status, 503);
    assert.match(ready.body, /initial sync/);
    state = { model: undefined, ready: true };
    ready = await send(port, { path: '/readyz' });
    assert.equal(ready.status, 503);
    assert.match(ready.body, /no model/);
    state = { model: seedModel(), ready: true };
    assert.equal((await send(port, { path: '/readyz' })).status, 200);
  });

  it('serves Prometheus text, with the pools the host reports', async () => {
    state = { model: seedModel(), ready: true, pools: [{ upstream: SEED_UPSTREAM, active: 1, idle: 2 }] };
    const reply = await send(port, { path: '/metrics' });
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(reply.body, /^kupstream_leader 1$/m);
    assert.ok(reply.body.includes(`kupstream_upstream_pool_connections{upstream="${SEED_UPSTREAM}",state="idle"} 2`));
  });

  it('lists endpoints as the model has them', async () => {
    state = { model: seedModel(), ready: true };
    const { body } = await getJson<{ endpoints: TranslationModel['endpoints'] }>(port, '/api/endpoints');
    assert.deepEqual(body.endpoints, seedModel().endpoints);
  });

  it('describes upstream TLS: SNI, verification, CA source, client certificate and days to expiry', async () => {
    const soon = new Date(NOW.getTime() + 10 * 86400_000).toISOString();
    const model = seedModel({
      extraUpstreams: [
        {
          name: 'default/verified:8443',
          url: 'https://verified.default:8443',
          protocol: 'http2',
          tls: {
            serverName: 'verified.default',
            alpn: ['h2'],
            minVersion: 'TLSv1.3',
            verification: {
              mode: 'ca',
              caSha256: 'AB:CD',
              hostname: 'verified.default',
              source: { kind: 'BackendTLSPolicy', namespace: 'default', name: 'verify-it' },
            },
            clientCertificate: {
              secret: { namespace: 'default', name: 'short-lived' },
              subject: 'CN=Short',
              issuer: 'CN=ExampleCA',
              notAfter: soon,
              sha256: '01:02',
            },
          },
        },
        { name: 'default/plain:80', url: 'http://plain.default:80', protocol: 'http1' },
      ],
    });
    state = { model, ready: true, pools: [{ upstream: 'default/plain:80', active: 0, idle: 1, handshakes: { full: 0, resumed: 0 } }] };
    const { body } = await getJson<{ upstreams: UpstreamView[] }>(port, '/api/upstreams');
    const [seed, verified, plain] = [SEED_UPSTREAM, 'default/verified:8443', 'default/plain:80'].map((n) =>
      body.upstreams.find((u) => u.name === n),
    );
    assert.deepEqual(seed?.tls?.verification, { mode: 'none', checked: false, verified: false });
    assert.equal(seed?.tls?.serverName, 'example-service.default');
    assert.deepEqual(seed?.tls?.clientCertificate, {
      secret: { namespace: 'default', name: 'client-cert-secret' },
      subject: 'CN=ExampleClient',
      issuer: 'CN=ExampleCA',
      notAfter: '2027-06-01T00:00:00.000Z',
      sha256: '9F:3A:00',
      daysToExpiry: 365,
      expiresSoon: false,
    });
    assert.deepEqual(seed?.usedBy, [SEED_ENDPOINT]);
    // Checking is on, but no handshake has passed it yet: not "verified".
    assert.deepEqual(verified?.tls?.verification, {
      mode: 'ca',
      checked: true,
      verified: false,
      hostname: 'verified.default',
      caSha256: 'AB:CD',
      source: { kind: 'BackendTLSPolicy', namespace: 'default', name: 'verify-it' },
    });
    assert.equal(verified?.tls?.clientCertificate?.daysToExpiry, 10);
    assert.equal(verified?.tls?.clientCertificate?.expiresSoon, true);
    assert.deepEqual(verified?.usedBy, []);
    assert.equal(plain?.tls, undefined);
    assert.deepEqual(plain?.pool, { upstream: 'default/plain:80', active: 0, idle: 1, handshakes: { full: 0, resumed: 0 } });
    assert.equal(plain?.endpoints, undefined);

    // With the proxy's traffic: each endpoint's state and last check, and the running counts.
    const endpoint = { port: 80, ready: true, serving: true, terminating: false, ejected: false };
    state = {
      ...state,
      traffic: [
        {
          upstream: 'default/plain:80',
          endpoints: [
            {
              ...endpoint,
              address: '10.0.0.1',
              healthy: true,
              lastCheck: { outcome: 'healthy', status: 200, at: '2026-06-01T00:00:00.000Z' },
            },
            {
              ...endpoint,
              address: '10.0.0.2',
              ejected: true,
              ejectedUntil: '2026-06-01T00:00:30.000Z',
              lastCheck: { outcome: 'unhealthy', code: 'connection_refused', at: '2026-06-01T00:00:00.000Z' },
            },
            { ...endpoint, address: 'fd00::3', ready: false, terminating: true },
          ],
          overflows: 1,
          ejections: 2,
          readmissions: 1,
        },
      ],
    };
    const withTraffic = (await getJson<{ upstreams: UpstreamView[] }>(port, '/api/upstreams')).body.upstreams.find(
      (u) => u.name === 'default/plain:80',
    );
    assert.deepEqual(withTraffic?.endpoints, [
      { endpoint: '10.0.0.1:80', state: 'healthy', lastCheck: { outcome: 'healthy', status: 200, at: '2026-06-01T00:00:00.000Z' } },
      {
        endpoint: '10.0.0.2:80',
        state: 'ejected',
        ejectedUntil: '2026-06-01T00:00:30.000Z',
        lastCheck: { outcome: 'unhealthy', code: 'connection_refused', at: '2026-06-01T00:00:00.000Z' },
      },
      { endpoint: '[fd00::3]:80', state: 'terminating' },
    ]);
    assert.deepEqual(withTraffic?.traffic, { overflows: 1, ejections: 2, readmissions: 1 });
    const metrics = (await send(port, { path: '/metrics' })).body;
    assert.match(metrics, /^kupstream_upstream_endpoints\{upstream="default\/plain:80",state="ejected"\} 1$/m);
    assert.match(metrics, /^kupstream_endpoint_ejections_total\{upstream="default\/plain:80"\} 2$/m);
  });

  it('the verified badge follows handshakes: passed after one, failed after a verification failure until the next', async () => {
    const model = seedModel({
      extraUpstreams: [
        {
          name: 'default/v:443',
          url: 'https://v.default:443',
          protocol: 'http1',
          tls: {
            serverName: 'v.default',
            alpn: ['http/1.1'],
            minVersion: 'TLSv1.2',
            verification: { mode: 'system', hostname: 'v.default', source: { kind: 'BackendTLSPolicy', namespace: 'default', name: 'p' } },
          },
        },
      ],
    });
    type Failure = { code: string; handshakes: number; at: string };
    type Probe = { upstream: string; ok: boolean; code?: string; at: string; expiry: Record<string, string> };
    const verificationOf = async (handshakes: number, failure?: Failure, probe?: Probe) => {
      state = {
        model,
        ready: true,
        pools: [{ upstream: 'default/v:443', active: 0, idle: 0, handshakes: { full: handshakes, resumed: 0 } }],
        ...(failure ? { verificationFailures: new Map([['default/v:443', failure]]) } : {}),
        ...(probe ? { handshakes: new Map([['default/v:443', probe]]) } : {}),
      };
      const { body } = await getJson<{ upstreams: UpstreamView[] }>(port, '/api/upstreams');
      const v = body.upstreams.find((u) => u.name === 'default/v:443')?.tls?.verification;
      return [v?.checked, v?.verified, v?.failure, v?.handshake?.result];
    };
    const mismatch = { code: 'hostname_mismatch', handshakes: 2, at: '2026-06-01T10:00:00.000Z' };
    assert.deepEqual(await verificationOf(0), [true, false, undefined, undefined]);
    assert.deepEqual(await verificationOf(2), [true, true, undefined, undefined]);
    assert.deepEqual(await verificationOf(2, mismatch), [true, false, 'hostname_mismatch', undefined]);
    assert.deepEqual(await verificationOf(3, mismatch), [true, true, undefined, undefined]);
    // A probe that passed: verified without traffic, unless a failure came after it.
    const passed = (at: string): Probe => ({ upstream: 'default/v:443', ok: true, at, expiry: {} });
    assert.deepEqual(await verificationOf(0, undefined, passed('2026-06-01T09:00:00.000Z')), [true, true, undefined, 'passed']);
    assert.deepEqual(await verificationOf(2, mismatch, passed('2026-06-01T09:00:00.000Z')), [true, false, 'hostname_mismatch', 'passed']);
    assert.deepEqual(await verificationOf(2, mismatch, passed('2026-06-01T11:00:00.000Z')), [true, true, undefined, 'passed']);
  });

  it('gives diagnostics and every status condition with where it sits', async () => {
    state = { model: seedModel(), ready: true };
    const { body } = await getJson<{ diagnostics: unknown[]; statuses: ResourceStatusView[] }>(port, '/api/diagnostics');
    assert.deepEqual(body.diagnostics, seedModel().diagnostics);
    const flat = body.statuses.flatMap((s) => s.conditions.map((c) => `${s.kind}/${s.name} [${c.scope}] ${c.type}=${c.status}`));
    assert.deepEqual(flat, [
      'Gateway/example-gateway [] Accepted=True',
      'Gateway/example-gateway [listener example] Programmed=True',
      'HTTPRoute/example-route [parent Gateway default/example-gateway] ResolvedRefs=True',
    ]);
  });

  it('reports status, and lists requests without headers, filtered, with details by id', async () => {
    state = {
      model: seedModel(),
      ready: true,
      credentialsSummary: { clients: [{ key: 'default/client-cert-secret', version: 1 }], caBundles: [] },
    };
    const ok = log.add(entry({ upstream: SEED_UPSTREAM, requestHeaders: { authorization: 'Bearer x', accept: '*/*' } }));
    log.add(entry({ status: 502, upstream: SEED_UPSTREAM, error: 'client_certificate_rejected' }));
    log.add(entry({ status: 404, error: 'route_not_found' }));
    const status = (await getJson<StatusView>(port, '/api/status')).body;
    assert.deepEqual(status, {
      ready: true,
      modelLoaded: true,
      endpoints: 1,
      upstreams: 1,
      diagnostics: { error: 0, warning: 1, info: 1 },
      requests: { size: 3, capacity: 50, captureBodies: false, maxBodyBytes: 4096 },
      credentials: { clients: [{ key: 'default/client-cert-secret', version: 1 }], caBundles: [] },
    });
    const all = (await getJson<{ capacity: number; requests: RequestSummary[] }>(port, '/api/requests')).body;
    assert.equal(all.capacity, 50);
    assert.deepEqual(
      all.requests.map((r) => r.status),
      [404, 502, 200],
    );
    assert.ok(
      all.requests.every((r) => !('requestHeaders' in r)),
      'the list carries no headers',
    );
    const failed = (
      await getJson<{ requests: RequestSummary[] }>(port, `/api/requests?status=5xx&upstream=${encodeURIComponent(SEED_UPSTREAM)}`)
    ).body;
    assert.deepEqual(
      failed.requests.map((r) => r.error),
      ['client_certificate_rejected'],
    );
    const one = await getJson<RequestRecord>(port, `/api/requests/${ok.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.requestHeaders, { authorization: '[redacted]', accept: '*/*' });
    assert.equal((await send(port, { path: '/api/requests/999999' })).status, 404);
    assert.equal((await send(port, { path: '/api/requests?limit=-1' })).status, 400);
  });

  it('pushes new requests and model swaps over server-sent events, replaying after Last-Event-ID', async () => {
    state = { model: seedModel(), ready: true };
    const first = log.add(entry({ path: '/before' }));
    const missed = log.add(entry({ path: '/missed' }));
    const stream = readEvents(port, { 'last-event-id': first.id });
    const res = await stream.opened;
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    await until(() => stream.frames.length === 1, 'the replayed record');
    assert.equal(stream.frames[0]!.id, missed.id);
    assert.deepEqual(JSON.parse(stream.frames[0]!.data!), {
      id: missed.id,
      time: missed.time,
      method: 'GET',
      host: 'example-hostname.ngrok.io',
      path: '/missed',
      status: 200,
      durationMs: 3,
    });
    const live = log.add(entry({ path: '/live', status: 504, error: 'response_timeout' }));
    await until(() => stream.frames.length === 2, 'the live record');
    assert.equal(stream.frames[1]!.event, 'request');
    assert.equal(stream.frames[1]!.id, live.id);
    assert.equal((JSON.parse(stream.frames[1]!.data!) as RequestSummary).error, 'response_timeout');
    state = { model: seedModel(), ready: true };
    await until(() => stream.frames.some((f) => f.event === 'model'), 'the model event');
    stream.close();
  });

  it('serves the page with a strict content security policy, and its assets', async () => {
    const page = await send(port, { path: '/' });
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    assert.match(page.body, /<script src="\/inspector\.js" defer><\/script>/);
    assert.ok(!/https?:\/\//.test(page.body), 'the page refers to nothing outside');
    const js = await send(port, { path: '/inspector.js' });
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.ok(js.body.includes("new EventSource('/api/events')"));
    assert.ok(!js.body.includes('innerHTML'), 'the script never parses data as markup');
    assert.match(String((await send(port, { path: '/inspector.css' })).headers['content-type']), /^text\/css/);
    assert.equal((await send(port, { path: '/nope' })).status, 404);
  });

  it('refuses foreign Host headers (DNS rebinding) and anything but GET/HEAD', async () => {
    assert.equal((await send(port, { path: '/api/endpoints', headers: { host: 'attacker.example:80' } })).status, 421);
    assert.equal((await send(port, { path: '/api/endpoints', headers: { host: `localhost:${port}` } })).status, 200);
    const post = await send(port, { method: 'POST', path: '/api/requests' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });

  it('never answers with private key material', async () => {
    const credentials = new CredentialStore();
    credentials.set({ namespace: 'default', name: 'client-cert-secret' }, { certChainPem: pki.client.certPem, keyPem: pki.client.keyPem });
    const base = seedModel();
    // Even a diagnostic that (by a translator bug) quoted the key must not carry it out.
    base.diagnostics.push({
      severity: 'error',
      code: 'Oops',
      message: `bad key ${pki.client.keyPem}`,
      resource: { kind: 'Secret', namespace: 'default', name: 'client-cert-secret' },
    });
    state = { model: createTranslationResult(base, credentials), ready: true, credentialsSummary: credentials.summary() };
    log.add(entry({ requestHeaders: { 'x-leak': pki.client.keyPem.replace(/\n/g, ' ') } }));
    const bodies = await Promise.all(
      ['/api/status', '/api/endpoints', '/api/upstreams', '/api/diagnostics', '/api/requests', '/api/requests/1', '/metrics', '/'].map(
        (p) => send(port, { path: p }),
      ),
    );
    const keyLines = pki.client.keyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const [i, reply] of bodies.entries()) {
      assert.equal(reply.status, 200, `reply ${i}`);
      assert.ok(!reply.body.includes('PRIVATE KEY'), `reply ${i} has PEM armour`);
      for (const line of keyLines) assert.ok(!reply.body.includes(line), `reply ${i} has a key line`);
    }
  });

  it('closes promptly with an event stream open', async () => {
    const stream = readEvents(port);
    await stream.opened;
    const closed = once(server, 'close');
    server.close();
    await closed;
    stream.close();
  });

  it('refuses to bind beyond loopback unless allowed', () => {
    assert.throws(
      () =>
        createAdminServer({
          getState: () => state,
          requestLog: log,
          metrics: createMetrics({ defaultMetrics: false }),
          host: '0.0.0.0',
          port: 0,
        }),
      AdminBindError,
    );
  });
});
