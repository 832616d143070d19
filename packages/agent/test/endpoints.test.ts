// EndpointSlice endpoints through a real proxy: three mTLS upstream servers on 127.0.0.2-4,
// one Service, verification on the Service name (never the address); load balancing,
// outlier ejection and readmission, circuit breaking, endpoint churn.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import type { ServiceEndpoint, Upstream, UpstreamEndpointMap } from '@kupstream/core';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import type { EndpointEvent, ProxyOptions } from '../src/index.js';
import { caVerification, storeWith, upstream } from './support/fixtures.js';
import { endpoint, model, request, route, startProxy, type Harness } from './support/proxy-harness.js';

const SERVICE_HOST = 'example-service.default';
const ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

interface Backend {
  address: string;
  port: number;
  server: https.Server;
  /** Requests received, by path. */
  seen: string[];
  /** SNI of each connection. */
  servernames: (string | false)[];
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function startBackend(pki: SeedPki, address: string, port = 0, handler?: Handler): Promise<Backend> {
  const sockets = new Set<net.Socket>();
  const seen: string[] = [];
  const servernames: (string | false)[] = [];
  const server = https.createServer(
    { cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      seen.push(req.url ?? '');
      if (handler) return handler(req, res);
      res.setHeader('x-endpoint', address);
      res.end(address);
    },
  );
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: tls.TLSSocket) =>
    servernames.push((socket as tls.TLSSocket & { servername: string | false }).servername),
  );
  server.listen(port, address);
  await once(server, 'listening');
  const bound = (server.address() as net.AddressInfo).port;
  return {
    address,
    port: bound,
    server,
    seen,
    servernames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function sliceEndpoints(backends: { address: string; port: number }[], extra: Partial<ServiceEndpoint> = {}): ServiceEndpoint[] {
  return backends.map((b) => ({ address: b.address, port: b.port, ready: true, serving: true, terminating: false, ...extra }));
}

/** An event of the proxy's 'endpoint' stream matching `test` (looking at those already seen first). */
function waitForEvent(events: EndpointEvent[], harness: Harness, test: (e: EndpointEvent) => boolean): Promise<EndpointEvent> {
  const seen = events.find(test);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => {
    const listener = (e: EndpointEvent) => {
      if (!test(e)) return;
      harness.proxy.off('endpoint', listener);
      resolve(e);
    };
    harness.proxy.on('endpoint', listener);
  });
}

/** A small deterministic generator (mulberry32), so the test's random picks are the same every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('endpoints: load balancing, outlier detection, circuit breaking', () => {
  let pki: SeedPki;
  let backends: Backend[];
  let service: Upstream;

  before(async () => {
    pki = await createSeedPki({ serverNames: [SERVICE_HOST] });
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

  function proxyOptions(u: Upstream, endpoints: UpstreamEndpointMap, extra: Partial<ProxyOptions> = {}, retry = false): ProxyOptions {
    return {
      model: model(
        [endpoint('https://app.example', [route('r', [{ upstream: u.name }], retry ? { retry: { attempts: 3, backoffMs: 1 } } : {})])],
        [u],
      ),
      credentials: storeWith(pki.client, [pki.ca.certPem]),
      endpoints,
      ...extra,
    };
  }

  it('round robin spreads requests evenly over three endpoints, verifying the Service name (SNI too), never the address', async () => {
    const u = { ...service, traffic: { loadBalancer: 'round-robin' as const } };
    const harness = await startProxy(proxyOptions(u, { [u.name]: sliceEndpoints(backends) }));
    try {
      const hits = new Map<string, number>();
      for (let i = 0; i < 30; i++) {
        const answer = await request(harness.server.port, 'app.example', `/${i}`);
        assert.equal(answer.status, 200, answer.body);
        hits.set(answer.body, (hits.get(answer.body) ?? 0) + 1);
      }
      assert.deepEqual(
        [...hits.entries()].sort(),
        ADDRESSES.map((a) => [a, 10]),
      );
      for (const b of backends)
        assert.ok(b.servernames.length > 0 && b.servernames.every((name) => name === SERVICE_HOST), String(b.servernames));
      const stats = harness.proxy.stats().traffic[0]!;
      assert.deepEqual(
        stats.endpoints!.map((e) => `${e.address}:${e.port}`),
        backends.map((b) => `${b.address}:${b.port}`),
      );
      assert.equal(harness.proxy.stats().pools.agents, 3, 'one pool per endpoint');
    } finally {
      await harness.close();
    }
  });

  it('least request (the default) spreads concurrent requests over every endpoint', async () => {
    // Each backend holds its requests until all 30 arrived somewhere: the picks see requests in flight.
    const held: (() => void)[] = [];
    let arrived!: () => void;
    const all = new Promise<void>((resolve) => (arrived = resolve));
    const handler: Handler = (_req, res) => {
      held.push(() => res.end('ok'));
      if (held.length === 30) arrived();
    };
    await Promise.all(backends.map((b) => b.close()));
    backends = await Promise.all(backends.map((b) => startBackend(pki, b.address, b.port, handler)));
    const harness = await startProxy(proxyOptions(service, { [service.name]: sliceEndpoints(backends) }, { random: seeded(7) }));
    try {
      const answers = Array.from({ length: 30 }, (_, i) => request(harness.server.port, 'app.example', `/${i}`));
      await all;
      const inFlight = harness.proxy.stats().traffic[0]!.endpoints!.map((e) => e.inFlight);
      for (const release of held) release();
      for (const answer of await Promise.all(answers)) assert.equal(answer.status, 200);
      // Power of two choices never sends a request to the busiest of two: no endpoint is left idle or takes most.
      for (const count of inFlight) assert.ok(count >= 5 && count <= 15, `in flight per endpoint: ${inFlight.join(', ')}`);
      assert.deepEqual(
        backends.map((b) => b.seen.length),
        inFlight,
      );
    } finally {
      await harness.close();
    }
  });

  it('ejects a killed endpoint (losing at most the requests in flight on it) and readmits it after it recovers', async () => {
    // The victim holds every request it gets until it is killed: those are the ones in flight on it.
    const victim = backends[1]!;
    const heldOnVictim: http.ServerResponse[] = [];
    await victim.close();
    backends[1] = await startBackend(pki, victim.address, victim.port, (_req, res) => void heldOnVictim.push(res));
    const u = {
      ...service,
      traffic: {
        loadBalancer: 'round-robin' as const,
        outlierDetection: { consecutiveFailures: 2, baseEjectionMs: 300, maxEjectionPercent: 50 },
      },
    };
    const harness = await startProxy(proxyOptions(u, { [u.name]: sliceEndpoints(backends) }, {}, true));
    const events: EndpointEvent[] = [];
    harness.proxy.on('endpoint', (e) => events.push(e));
    const victimKey = `${victim.address}:${victim.port}`;
    try {
      // Load: 12 requests at once; the round robin gives the victim 4, which it holds.
      const load = Array.from({ length: 12 }, (_, i) => request(harness.server.port, 'app.example', `/load/${i}`));
      while (heldOnVictim.length < 4) await new Promise((resolve) => setImmediate(resolve));
      const inFlightOnVictim = heldOnVictim.length;
      await backends[1]!.close();
      const ejected = waitForEvent(events, harness, (e) => e.type === 'ejected' && e.endpoint === victimKey);
      // More traffic while it is down: the refused connections count against it until it is ejected.
      const more = Array.from({ length: 12 }, (_, i) => request(harness.server.port, 'app.example', `/more/${i}`));
      const answers = [...(await Promise.all(load)), ...(await Promise.all(more))];
      const lost = answers.filter((a) => a.status !== 200).length;
      assert.ok(lost <= inFlightOnVictim, `lost ${lost} requests, ${inFlightOnVictim} were in flight on the killed endpoint`);
      const event = await ejected;
      assert.equal(event.type === 'ejected' && event.reason, 'outlier');
      const stats = harness.proxy.stats().traffic[0]!.endpoints!.find((e) => `${e.address}:${e.port}` === victimKey)!;
      assert.equal(stats.ejected, true);
      assert.equal(stats.timesEjected, 1);
      // While ejected, nothing goes to it (it is down anyway: every answer comes from the others).
      for (let i = 0; i < 6; i++) assert.equal((await request(harness.server.port, 'app.example', `/while/${i}`)).status, 200);

      // It recovers; after the ejection interval it takes requests again.
      backends[1] = await startBackend(pki, victim.address, victim.port);
      await waitForEvent(events, harness, (e) => e.type === 'readmitted' && e.endpoint === victimKey);
      for (let i = 0; i < 6 && backends[1].seen.length === 0; i++)
        assert.equal((await request(harness.server.port, 'app.example', `/after/${i}`)).status, 200);
      assert.ok(backends[1].seen.length > 0, 'the readmitted endpoint takes requests again');
    } finally {
      await harness.close();
    }
  });

  it('never ejects the last healthy endpoint', async () => {
    const only = backends[0]!;
    const u = { ...service, traffic: { outlierDetection: { consecutiveFailures: 1 } } };
    const harness = await startProxy(proxyOptions(u, { [u.name]: sliceEndpoints([only]) }));
    const events: EndpointEvent[] = [];
    harness.proxy.on('endpoint', (e) => events.push(e));
    try {
      await only.close();
      for (let i = 0; i < 3; i++) assert.equal((await request(harness.server.port, 'app.example', `/${i}`)).status, 502);
      assert.deepEqual(events, []);
      assert.equal(harness.proxy.stats().traffic[0]!.endpoints![0]!.ejected, false);
    } finally {
      await harness.close();
    }
  });

  it('answers 503 upstream_overflow at once when the circuit breaker is full', async () => {
    const held: http.ServerResponse[] = [];
    await backends[0]!.close();
    backends[0] = await startBackend(pki, ADDRESSES[0]!, 0, (_req, res) => void held.push(res));
    const u = { ...service, traffic: { maxConnections: 1, maxPendingRequests: 1 } };
    const harness = await startProxy(proxyOptions(u, { [u.name]: sliceEndpoints([backends[0]!]) }));
    const overflow: EndpointEvent[] = [];
    harness.proxy.on('endpoint', (e) => overflow.push(e));
    try {
      const first = request(harness.server.port, 'app.example', '/first');
      while (held.length < 1) await new Promise((resolve) => setImmediate(resolve));
      const second = request(harness.server.port, 'app.example', '/second');
      while (harness.proxy.stats().traffic[0]!.pending < 1) await new Promise((resolve) => setImmediate(resolve));
      // The first holds the one slot and the second the one queue place: the third is refused while both wait.
      const third = await request(harness.server.port, 'app.example', '/third');
      assert.equal(third.status, 503);
      assert.equal(third.headers['x-kupstream-error'], 'upstream_overflow');
      assert.deepEqual(overflow, [{ type: 'overflow', upstream: u.name }]);
      assert.equal(harness.proxy.stats().traffic[0]!.overflows, 1);
      held.shift()!.end('one');
      while (held.length < 1) await new Promise((resolve) => setImmediate(resolve));
      held.shift()!.end('two');
      assert.equal((await first).body, 'one');
      assert.equal((await second).body, 'two');
      assert.equal(backends[0]!.seen.length, 2);
    } finally {
      await harness.close();
    }
  });

  it('follows endpoint churn: terminating endpoints get no new requests, an empty slice answers 503, no slice dials the Service name', async () => {
    const u = { ...service, traffic: { loadBalancer: 'round-robin' as const } };
    const harness = await startProxy(proxyOptions(u, { [u.name]: sliceEndpoints(backends) }));
    try {
      for (let i = 0; i < 3; i++) await request(harness.server.port, 'app.example', `/${i}`);
      assert.equal(harness.proxy.stats().pools.agents, 3);
      const modelBefore = harness.proxy.model;
      harness.proxy.updateEndpoints({
        [u.name]: [...sliceEndpoints([backends[0]!]), ...sliceEndpoints(backends.slice(1), { ready: false, terminating: true })],
      });
      assert.equal(harness.proxy.model, modelBefore, 'endpoints never change the model');
      for (const b of backends) b.seen.length = 0;
      for (let i = 0; i < 6; i++) assert.equal((await request(harness.server.port, 'app.example', `/t${i}`)).body, ADDRESSES[0]);
      assert.deepEqual(
        backends.map((b) => b.seen.length),
        [6, 0, 0],
      );
      assert.equal(harness.proxy.stats().pools.agents, 1, 'the pools of terminating endpoints are retired');

      harness.proxy.updateEndpoints({ [u.name]: [] });
      const none = await request(harness.server.port, 'app.example', '/none');
      assert.equal(none.status, 503);
      assert.equal(none.headers['x-kupstream-error'], 'no_healthy_upstream');

      // No slice known: the Service name is dialed (here mapped by `resolve`, as serve's --resolve does).
      await harness.close();
      const fallback = await startProxy(
        proxyOptions(
          u,
          {},
          {
            resolve: (host, port) => (host === SERVICE_HOST && port === 443 ? { host: ADDRESSES[2]!, port: backends[2]!.port } : undefined),
          },
        ),
      );
      try {
        assert.equal((await request(fallback.server.port, 'app.example', '/svc')).body, ADDRESSES[2]);
        assert.equal(fallback.proxy.stats().traffic[0]!.endpoints, undefined);
      } finally {
        await fallback.close();
      }
    } finally {
      await harness.close();
    }
  });
});
