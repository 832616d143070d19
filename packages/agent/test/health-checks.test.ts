// Active health checks through a real proxy: three mTLS upstream servers on 127.0.0.2-4 behind
// one Service, checks dialed with the upstream's real client certificate and trust. An HTTP check
// ejects an endpoint answering 503 and readmits it on 200; an endpoint that refuses our client
// certificate is reported, never ejected; a TLS-handshake check finds a dead endpoint; HTTP/2
// upstreams are checked over h2; the last endpoint in rotation is never taken out; close() stops
// every check. Waits are on events, never on time.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type net from 'node:net';
import type { HealthCheck, ServiceEndpoint, Upstream, UpstreamEndpointMap } from '@kupstream/core';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import type { EndpointEvent, ProxyOptions } from '../src/index.js';
import { healthCheckHandshakes } from '../src/index.js';
import { caVerification, storeWith, upstream } from './support/fixtures.js';
import { endpoint, model, request, route, startProxy, type Harness } from './support/proxy-harness.js';

const SERVICE_HOST = 'example-service.default';
const ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const CHECK_PATH = '/healthz';

interface Backend {
  address: string;
  port: number;
  /** The status the check path answers; traffic always gets 200. */
  checkStatus: number;
  /** Check requests seen (path, Host header, ALPN/h2). */
  checks: { host: string | undefined; userAgent: string | undefined }[];
  /** TLS handshakes the server refused (our client certificate, for the rejecting one). */
  refused: number;
  /** Sockets open on the server now. */
  open: Set<net.Socket>;
  server: https.Server | http2.Http2SecureServer;
  /** Resolves when the next event of `name` is counted (check requests, refusals). */
  next(name: 'check' | 'refused'): Promise<void>;
  close(): Promise<void>;
}

async function startBackend(
  pki: SeedPki,
  address: string,
  options: { port?: number; trustedCa?: string; http2?: boolean } = {},
): Promise<Backend> {
  const waiters: { name: 'check' | 'refused'; resolve: () => void }[] = [];
  const fire = (name: 'check' | 'refused') => {
    for (const w of waiters.splice(0))
      if (w.name === name) w.resolve();
      else waiters.push(w);
  };
  const backend: Partial<Backend> & { checks: Backend['checks']; open: Set<net.Socket> } = {
    address,
    checkStatus: 200,
    checks: [],
    refused: 0,
    open: new Set(),
  };
  const handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
    if (req.url === CHECK_PATH) {
      backend.checks.push({
        host: (req.headers[':authority'] as string | undefined) ?? req.headers.host,
        userAgent: req.headers['user-agent'],
      });
      res.writeHead(backend.checkStatus!);
      res.end();
      fire('check');
      return;
    }
    res.setHeader('x-endpoint', address);
    res.end(address);
  };
  const tlsOptions = {
    cert: pki.server.certPem,
    key: pki.server.keyPem,
    ca: options.trustedCa ?? pki.ca.certPem,
    requestCert: true,
    rejectUnauthorized: true,
  };
  const server = options.http2
    ? http2.createSecureServer({ ...tlsOptions, allowHTTP1: false }, handler)
    : https.createServer(tlsOptions, handler as http.RequestListener);
  server.on('connection', (socket: net.Socket) => {
    backend.open.add(socket);
    socket.on('close', () => backend.open.delete(socket));
  });
  server.on('tlsClientError', () => {
    backend.refused!++;
    fire('refused');
  });
  server.listen(options.port ?? 0, address);
  await once(server, 'listening');
  backend.port = (server.address() as net.AddressInfo).port;
  backend.server = server;
  backend.next = (name) => new Promise<void>((resolve) => waiters.push({ name, resolve }));
  backend.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of backend.open) socket.destroy();
      server.close(() => resolve());
    });
  return backend as Backend;
}

function sliceEndpoints(backends: { address: string; port: number }[]): ServiceEndpoint[] {
  return backends.map((b) => ({ address: b.address, port: b.port, ready: true, serving: true, terminating: false }));
}

function keyOf(b: { address: string; port: number }): string {
  return `${b.address}:${b.port}`;
}

/** Collects the proxy's 'endpoint' events and waits for one matching `test` (those already seen first). */
class EndpointEvents {
  readonly seen: EndpointEvent[] = [];
  readonly #waiters = new Set<{ test: (e: EndpointEvent) => boolean; resolve: (e: EndpointEvent) => void }>();

  constructor(harness: Harness) {
    harness.proxy.on('endpoint', (e) => {
      this.seen.push(e);
      for (const w of this.#waiters)
        if (w.test(e)) {
          this.#waiters.delete(w);
          w.resolve(e);
        }
    });
  }

  wait(test: (e: EndpointEvent) => boolean): Promise<EndpointEvent> {
    const seen = this.seen.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.add({ test, resolve }));
  }
}

describe('active health checks', () => {
  let pki: SeedPki;
  let foreign: SeedPki;
  let backends: Backend[];
  let service: Upstream;

  before(async () => {
    pki = await createSeedPki({ serverNames: [SERVICE_HOST] });
    // A CA that never issued our client certificate: a server trusting only it refuses us.
    foreign = await createSeedPki({ serverNames: [SERVICE_HOST] });
  });

  beforeEach(async () => {
    backends = await Promise.all(ADDRESSES.map((a) => startBackend(pki, a)));
    service = {
      ...upstream({ client: pki.client, verification: caVerification(pki.ca.certPem, SERVICE_HOST) }),
      service: { namespace: 'default', name: 'example-service', port: 443 },
    };
  });

  afterEach(async () => {
    await Promise.all(backends.map((b) => b.close()));
  });

  function checked(u: Upstream, healthCheck: HealthCheck): Upstream {
    return { ...u, traffic: { loadBalancer: 'round-robin', healthCheck } };
  }

  function proxyOptions(u: Upstream, endpoints: UpstreamEndpointMap, extra: Partial<ProxyOptions> = {}): ProxyOptions {
    return {
      model: model([endpoint('https://app.example', [route('r', [{ upstream: u.name }])])], [u]),
      credentials: storeWith(pki.client, [pki.ca.certPem]),
      endpoints,
      ...extra,
    };
  }

  it('an HTTP check ejects an endpoint answering 503 and readmits it once it answers 200', async () => {
    const u = checked(service, {
      type: 'http',
      path: CHECK_PATH,
      intervalMs: 20,
      timeoutMs: 2000,
      unhealthyThreshold: 2,
      healthyThreshold: 2,
    });
    const sick = backends[1]!;
    sick.checkStatus = 503;
    const harness = await startProxy(proxyOptions(u, { [u.name]: sliceEndpoints(backends) }));
    const events = new EndpointEvents(harness);
    try {
      const ejected = await events.wait((e) => e.type === 'ejected' && e.endpoint === keyOf(sick));
      assert.deepEqual(ejected, {
        type: 'ejected',
        upstream: u.name,
        endpoint: keyOf(sick),
        reason: 'health-check',
        code: 'unexpected_status',
      });
      const verdict = events.seen.find((e) => e.type === 'health-check' && e.endpoint === keyOf(sick));
      assert.equal(verdict?.type === 'health-check' && verdict.status, 503);
      // The checks carried the upstream's name as authority, over mTLS verified on the Service name.
      assert.ok(sick.checks.length >= 2);
      for (const c of sick.checks) assert.deepEqual(c, { host: SERVICE_HOST, userAgent: 'kupstream-health-check' });
      // Out of rotation: requests go to the two others only.
      const hits = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const answer = await request(harness.server.port, 'app.example', `/${i}`);
        assert.equal(answer.status, 200);
        hits.add(answer.body);
      }
      assert.deepEqual([...hits].sort(), [backends[0]!.address, backends[2]!.address]);
      const stats = harness.proxy.stats().traffic[0]!;
      const sickStats = stats.endpoints!.find((e) => e.address === sick.address)!;
      assert.equal(sickStats.ejected, true);
      assert.equal(sickStats.healthy, false);
      assert.equal(sickStats.lastCheck?.code, 'unexpected_status');
      assert.equal(stats.ejections, 1);
      assert.ok((stats.healthChecks?.failed.unexpected_status ?? 0) >= 2);

      sick.checkStatus = 200;
      const back = await events.wait((e) => e.type === 'readmitted' && e.endpoint === keyOf(sick));
      assert.deepEqual(back, { type: 'readmitted', upstream: u.name, endpoint: keyOf(sick), reason: 'health-check' });
      const hitsAfter = new Set<string>();
      for (let i = 0; i < 9; i++) hitsAfter.add((await request(harness.server.port, 'app.example', `/after/${i}`)).body);
      assert.deepEqual([...hitsAfter].sort(), ADDRESSES);
      assert.equal(harness.proxy.stats().traffic[0]!.readmissions, 1);
    } finally {
      await harness.close();
    }
  });

  it('an endpoint refusing our client certificate is reported as client_certificate_rejected and never ejected', async () => {
    const u = checked(service, {
      type: 'http',
      path: CHECK_PATH,
      intervalMs: 20,
      timeoutMs: 2000,
      unhealthyThreshold: 1,
      healthyThreshold: 1,
    });
    const refusing = backends[2]!;
    await refusing.close();
    backends[2] = await startBackend(pki, refusing.address, { port: refusing.port, trustedCa: foreign.ca.certPem });
    const harness = await startProxy(proxyOptions(u, { [u.name]: sliceEndpoints(backends) }));
    const events = new EndpointEvents(harness);
    try {
      const reported = await events.wait((e) => e.type === 'health-check' && e.endpoint === keyOf(backends[2]!));
      assert.equal(reported.type, 'health-check');
      assert.equal(reported.type === 'health-check' && reported.outcome, 'rejected');
      assert.equal(reported.type === 'health-check' && reported.code, 'client_certificate_rejected');
      // One check at a time per endpoint: when the server refuses the 5th, 4 verdicts were applied —
      // far past the unhealthy threshold of 1.
      while (backends[2]!.refused < 5) await backends[2]!.next('refused');
      const stats = harness.proxy.stats().traffic[0]!;
      const refusingStats = stats.endpoints!.find((e) => e.address === refusing.address)!;
      assert.equal(refusingStats.ejected, false);
      assert.notEqual(refusingStats.healthy, false);
      assert.equal(refusingStats.lastCheck?.outcome, 'rejected');
      assert.equal(stats.ejections, 0);
      assert.ok((stats.healthChecks?.failed.client_certificate_rejected ?? 0) >= 4);
      assert.equal(
        events.seen.some((e) => e.type === 'ejected'),
        false,
      );
      // The same verdict as a handshake probe's: the UpstreamHandshake condition machinery reads it.
      const handshakes = healthCheckHandshakes(harness.proxy.stats().traffic);
      assert.equal(handshakes.length, 1);
      assert.equal(handshakes[0]!.ok, false);
      assert.equal(handshakes[0]!.code, 'client_certificate_rejected');
    } finally {
      await harness.close();
    }
  });

  it('a TLS-handshake check finds a dead endpoint and ejects it with the connection code', async () => {
    const u = checked(service, { type: 'tls', intervalMs: 20, timeoutMs: 2000, unhealthyThreshold: 2, healthyThreshold: 1 });
    const harness = await startProxy(proxyOptions(u, { [u.name]: sliceEndpoints(backends) }));
    const events = new EndpointEvents(harness);
    try {
      for (const b of backends) await events.wait((e) => e.type === 'health-check' && e.endpoint === keyOf(b) && e.outcome === 'healthy');
      const verdicts = healthCheckHandshakes(harness.proxy.stats().traffic);
      assert.deepEqual(
        verdicts.map((v) => v.ok),
        [true],
      );
      const dead = backends[0]!;
      await dead.close();
      const ejected = await events.wait((e) => e.type === 'ejected' && e.endpoint === keyOf(dead));
      assert.equal(ejected.type === 'ejected' && ejected.code, 'connection_refused');
      // No check request ever went on the wire: a handshake check sends none.
      for (const b of backends) assert.equal(b.checks.length, 0);
    } finally {
      await harness.close();
    }
  });

  it('checks an HTTP/2 upstream over h2', async () => {
    await Promise.all(backends.map((b) => b.close()));
    backends = await Promise.all(ADDRESSES.map((a) => startBackend(pki, a, { http2: true })));
    const h2 = {
      ...upstream({ client: pki.client, verification: caVerification(pki.ca.certPem, SERVICE_HOST), protocol: 'http2' }),
      service: { namespace: 'default', name: 'example-service', port: 443 },
    };
    const u = checked(h2, { type: 'http', path: CHECK_PATH, intervalMs: 20, timeoutMs: 2000, unhealthyThreshold: 1, healthyThreshold: 1 });
    backends[0]!.checkStatus = 500;
    const harness = await startProxy(proxyOptions(u, { [u.name]: sliceEndpoints(backends) }));
    const events = new EndpointEvents(harness);
    try {
      const ejected = await events.wait((e) => e.type === 'ejected' && e.endpoint === keyOf(backends[0]!));
      assert.equal(ejected.type === 'ejected' && ejected.code, 'unexpected_status');
      await events.wait((e) => e.type === 'health-check' && e.endpoint === keyOf(backends[1]!) && e.outcome === 'healthy');
      for (const c of backends[0]!.checks) assert.deepEqual(c, { host: SERVICE_HOST, userAgent: 'kupstream-health-check' });
    } finally {
      await harness.close();
    }
  });

  it('never takes the last endpoint in rotation out: it keeps the requests while its checks fail', async () => {
    const u = checked(service, {
      type: 'http',
      path: CHECK_PATH,
      intervalMs: 20,
      timeoutMs: 2000,
      unhealthyThreshold: 1,
      healthyThreshold: 1,
    });
    for (const b of backends) b.checkStatus = 503;
    const harness = await startProxy(proxyOptions(u, { [u.name]: sliceEndpoints(backends) }));
    const events = new EndpointEvents(harness);
    try {
      // Every endpoint fails; two go out, one is held in.
      for (const b of backends) while (b.checks.length < 3) await b.next('check');
      const stats = harness.proxy.stats().traffic[0]!.endpoints!;
      assert.deepEqual(
        stats.map((e) => e.healthy),
        [false, false, false],
      );
      const inRotation = stats.filter((e) => !e.ejected);
      assert.equal(inRotation.length, 1);
      assert.equal(inRotation[0]!.heldIn, true);
      assert.equal(events.seen.filter((e) => e.type === 'ejected').length, 2);
      const answer = await request(harness.server.port, 'app.example', '/still');
      assert.equal(answer.status, 200);
      assert.equal(answer.body, inRotation[0]!.address);
      // Another endpoint recovers: it comes back and the held one goes out.
      const recovered = backends.find((b) => b.address !== inRotation[0]!.address)!;
      recovered.checkStatus = 200;
      await events.wait((e) => e.type === 'readmitted' && e.endpoint === keyOf(recovered));
      const held = backends.find((b) => b.address === inRotation[0]!.address)!;
      await events.wait((e) => e.type === 'ejected' && e.endpoint === keyOf(held));
      const after = await request(harness.server.port, 'app.example', '/after');
      assert.equal(after.body, recovered.address);
    } finally {
      await harness.close();
    }
  });

  it('stops checking endpoints that leave, upstreams that go unavailable, and everything on close()', async () => {
    const u = checked(service, {
      type: 'http',
      path: CHECK_PATH,
      intervalMs: 20,
      timeoutMs: 2000,
      unhealthyThreshold: 1,
      healthyThreshold: 1,
    });
    const harness = await startProxy(proxyOptions(u, { [u.name]: sliceEndpoints(backends) }));
    const events = new EndpointEvents(harness);
    for (const b of backends) await events.wait((e) => e.type === 'health-check' && e.endpoint === keyOf(b));
    assert.equal(harness.proxy.stats().healthChecks.endpoints, 3);
    harness.proxy.updateEndpoints({ [u.name]: sliceEndpoints(backends.slice(0, 2)) });
    assert.equal(harness.proxy.stats().healthChecks.endpoints, 2);
    // Fail closed: an unavailable upstream is never checked.
    harness.proxy.update(model(harness.proxy.model.endpoints, [{ ...u, unavailable: { code: 'BackendNotFound', reason: 'gone' } }]));
    assert.deepEqual(harness.proxy.stats().healthChecks, { endpoints: 0, inProgress: 0 });
    harness.proxy.update(model(harness.proxy.model.endpoints, [u]));
    assert.equal(harness.proxy.stats().healthChecks.endpoints, 2);
    // Checks in flight when the proxy closes are abandoned: their sockets go, no timer is left.
    await backends[0]!.next('check');
    await harness.close();
    assert.deepEqual(harness.proxy.stats().healthChecks, { endpoints: 0, inProgress: 0 });
    await Promise.all(
      backends.map(async (b) => {
        for (const socket of b.open) if (!socket.destroyed) await once(socket, 'close');
      }),
    );
    for (const b of backends) assert.equal(b.open.size, 0);
  });
});
