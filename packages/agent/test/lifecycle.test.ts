// Rotation, update() and close(): the proxy's life while requests keep coming.
import assert from 'node:assert/strict';
import http from 'node:http';
import type https from 'node:https';
import type tls from 'node:tls';
import { createSeedPki, issue, type SeedPki } from '@kupstream/test-pki';
import { CLIENT_SECRET, storeWith, toLoopback, upstream } from './support/fixtures.js';
import { endpoint, model, request, route, seedModel, startProxy } from './support/proxy-harness.js';
import { echoHandler, httpsEchoServer, type Echo, type RunningServer } from './support/servers.js';

describe('proxy lifecycle', () => {
  let pki: SeedPki;
  let server: RunningServer<https.Server>;
  /** Client subject of every TLS connection the upstream accepted, with its close. */
  const accepted: { subject: string; closed: Promise<void> }[] = [];
  before(async () => {
    pki = await createSeedPki();
    server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
    server.server.on('secureConnection', (socket: tls.TLSSocket) => {
      const peer = socket.getPeerCertificate();
      accepted.push({ subject: `CN=${peer.subject?.CN ?? ''}`, closed: new Promise((resolve) => socket.once('close', () => resolve())) });
    });
  });
  after(() => server.close());

  it('rotates the client certificate under a request loop with no failed request; old connections drain', async () => {
    const store = storeWith(pki.client);
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: store,
      resolve: toLoopback(server.port),
    });
    const downstream = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const rotated = await issue(pki.ca, { subject: 'CN=RotatedClient', extendedKeyUsage: ['clientAuth'], keyType: 'ec' });
    accepted.length = 0;
    const statuses: number[] = [];
    const subjects: string[] = [];
    let rotatedAt: number;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const answer = await request(harness.server.port, 'example-hostname.ngrok.io', '/loop', {
          agent: downstream,
          method: 'POST',
          body: 'x'.repeat(512),
        });
        statuses.push(answer.status);
        subjects.push(answer.status === 200 ? ((JSON.parse(answer.body) as Echo).subject ?? '') : answer.body);
      }
    };
    try {
      const workers = [worker(), worker(), worker(), worker()];
      while (statuses.length < 40) await new Promise((r) => setImmediate(r));
      store.set(CLIENT_SECRET, { certChainPem: rotated.certPem, keyPem: rotated.keyPem });
      rotatedAt = statuses.length;
      while (statuses.length < rotatedAt + 60) await new Promise((r) => setImmediate(r));
      stop = true;
      await Promise.all(workers);
      assert.deepEqual([...new Set(statuses)], [200], `failed answers: ${subjects.filter((s) => !s.startsWith('CN=')).join(' | ')}`);
      // Requests still in flight at the switch finish on their old connection; after them, only the new identity.
      assert.equal(
        subjects.slice(rotatedAt + 8).every((s) => s === 'CN=RotatedClient'),
        true,
      );
      assert.ok(subjects.slice(0, rotatedAt).every((s) => s === 'CN=ExampleClient'));
      // Every connection made with the old certificate closes by itself (drained), none is left open.
      const old = accepted.filter((a) => a.subject === 'CN=ExampleClient');
      assert.ok(old.length > 0);
      await Promise.all(old.map((a) => a.closed));
    } finally {
      stop = true;
      downstream.destroy();
      await harness.close();
    }
  });

  it('deleting the Secret from the store fails closed at once', async () => {
    const store = storeWith(pki.client);
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: store,
      resolve: toLoopback(server.port),
    });
    try {
      assert.equal((await request(harness.server.port, 'example-hostname.ngrok.io')).status, 200);
      store.delete(CLIENT_SECRET);
      const answer = await request(harness.server.port, 'example-hostname.ngrok.io');
      assert.equal(answer.status, 502);
      assert.equal(answer.headers['x-kupstream-error'], 'client_certificate_missing');
    } finally {
      await harness.close();
    }
  });

  it('update() swaps the model atomically: the request in flight finishes on the old upstream, new ones use the new', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slowHandler: http.RequestListener = (req, res) => {
      void held.then(() => echoHandler()(req, res));
    };
    const slow = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem }, slowHandler);
    const a = upstream({ name: 'slow', host: 'slow.default', client: pki.client });
    const b = upstream({ name: 'fast', host: 'fast.default', client: pki.client });
    const ports: Record<string, number> = { 'slow.default': slow.port, 'fast.default': server.port };
    const resolve = (host: string) => ({ host: '127.0.0.1', port: ports[host] ?? 1 });
    const harness = await startProxy({
      model: model([endpoint('https://app.example', [route('r', [{ upstream: 'slow' }])])], [a]),
      credentials: storeWith(pki.client),
      resolve,
    });
    try {
      const first = request(harness.server.port, 'app.example', '/first');
      while (slow.connections === 0) await new Promise((r) => setImmediate(r));
      harness.proxy.update(model([endpoint('https://app.example', [route('r', [{ upstream: 'fast' }])])], [b]));
      const second = await request(harness.server.port, 'app.example', '/second');
      assert.equal((JSON.parse(second.body) as Echo).servername, 'fast.default');
      release();
      const done = await first;
      assert.equal(done.status, 200);
      assert.equal((JSON.parse(done.body) as Echo).servername, 'slow.default');
      assert.equal(harness.proxy.model.upstreams[0]?.name, 'fast');
    } finally {
      release();
      await harness.close();
      await slow.close();
    }
  });

  it('update() with a TranslationResult-like model and new credentials rotates through the same store', async () => {
    const store = storeWith(pki.client);
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: store,
      resolve: toLoopback(server.port),
    });
    try {
      const rotated = await issue(pki.ca, { subject: 'CN=FromUpdate', extendedKeyUsage: ['clientAuth'], keyType: 'ec' });
      harness.proxy.update(seedModel(upstream({ client: rotated })), storeWith(rotated));
      assert.equal((JSON.parse((await request(harness.server.port, 'example-hostname.ngrok.io')).body) as Echo).subject, 'CN=FromUpdate');
      assert.equal(store.get(CLIENT_SECRET)?.certChainPem, rotated.certPem);
    } finally {
      await harness.close();
    }
  });

  it('close() lets the request in flight finish, then refuses new ones with 503 proxy_closed', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = await httpsEchoServer(
      { cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem },
      (req, res) => void held.then(() => echoHandler()(req, res)),
    );
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: storeWith(pki.client),
      resolve: toLoopback(slow.port),
    });
    try {
      const inFlight = request(harness.server.port, 'example-hostname.ngrok.io', '/slow');
      while (slow.connections === 0) await new Promise((r) => setImmediate(r));
      let closed = false;
      const closing = harness.proxy.close().then(() => (closed = true));
      const refused = await request(harness.server.port, 'example-hostname.ngrok.io');
      assert.equal(refused.status, 503);
      assert.equal(refused.headers['x-kupstream-error'], 'proxy_closed');
      assert.equal(closed, false);
      assert.deepEqual([harness.proxy.stats().inFlight, harness.proxy.stats().closing], [1, true]);
      release();
      assert.equal((await inFlight).status, 200);
      await closing;
      assert.equal(closed, true);
    } finally {
      release();
      await harness.close();
      await slow.close();
    }
  });
});
