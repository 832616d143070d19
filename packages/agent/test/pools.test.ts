// Pool behaviour through the proxy: replay on a stale kept-alive connection, idle close,
// draining on update(), HTTP/2 rotation and fail-closed, response events.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import { createSeedPki, issue, type SeedPki } from '@kupstream/test-pki';
import type { ResponseEvent } from '../src/index.js';
import { CLIENT_SECRET, storeWith, toLoopback, upstream } from './support/fixtures.js';
import { endpoint, model, request, route, seedModel, startProxy } from './support/proxy-harness.js';
import { echoHandler, httpsEchoServer, listen, type Echo, type RunningServer } from './support/servers.js';

/** Resolves when the next connection the server accepts has closed. */
function nextConnectionClosed(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.once('secureConnection', (socket: tls.TLSSocket) => socket.once('close', () => resolve())));
}

describe('pools', () => {
  let pki: SeedPki;
  let server: RunningServer<https.Server>;
  before(async () => {
    pki = await createSeedPki();
    server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
  });
  after(() => server.close());

  it('replays a bodiless GET once when the upstream dropped the kept-alive connection as it was reused', async () => {
    // The upstream answers the first request on a connection and kills the connection on the second.
    const counts = new WeakMap<net.Socket, number>();
    const flaky = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem }, (req, res) => {
      const n = (counts.get(req.socket) ?? 0) + 1;
      counts.set(req.socket, n);
      if (n > 1) return void req.socket.destroy();
      echoHandler()(req, res);
    });
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: storeWith(pki.client),
      resolve: toLoopback(flaky.port),
    });
    try {
      assert.equal((await request(harness.server.port, 'example-hostname.ngrok.io', '/1')).status, 200);
      assert.equal((await request(harness.server.port, 'example-hostname.ngrok.io', '/2')).status, 200);
      assert.equal(flaky.connections, 2);
      // With a body the request is not replayed: the failure is reported.
      const post = await request(harness.server.port, 'example-hostname.ngrok.io', '/3', { method: 'POST', body: 'once' });
      assert.equal(post.status, 502);
      assert.equal(post.headers['x-kupstream-error'], 'connection_reset');
    } finally {
      await harness.close();
      await flaky.close();
    }
  });

  it('closes pooled connections that stay idle for timeouts.idle', async () => {
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: storeWith(pki.client),
      resolve: toLoopback(server.port),
      timeouts: { idle: 100 },
    });
    try {
      const closed = nextConnectionClosed(server.server);
      assert.equal((await request(harness.server.port, 'example-hostname.ngrok.io')).status, 200);
      await closed;
    } finally {
      await harness.close();
    }
  });

  it('update() that drops an upstream drains its idle connections', async () => {
    const a = upstream({ name: 'a', client: pki.client });
    const harness = await startProxy({
      model: model([endpoint('https://app.example', [route('r', [{ upstream: 'a' }])])], [a]),
      credentials: storeWith(pki.client),
      resolve: toLoopback(server.port),
    });
    try {
      const closed = nextConnectionClosed(server.server);
      assert.equal((await request(harness.server.port, 'app.example')).status, 200);
      harness.proxy.update(model([], []));
      await closed;
      assert.equal((await request(harness.server.port, 'app.example')).status, 404);
    } finally {
      await harness.close();
    }
  });

  it('emits a response event per answered request', async () => {
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: storeWith(pki.client),
      resolve: toLoopback(server.port),
    });
    const events: ResponseEvent[] = [];
    harness.proxy.on('response', (e) => events.push(e));
    try {
      await request(harness.server.port, 'example-hostname.ngrok.io', '/ok');
      await request(harness.server.port, 'nowhere.example', '/missing');
      assert.deepEqual(
        events.map((e) => [e.status, e.path, e.code, e.upstream]),
        [
          [200, '/ok', undefined, 'default/example-service:443+mtls'],
          [404, '/missing', 'route_not_found', undefined],
        ],
      );
    } finally {
      await harness.close();
    }
  });

  it('stats() reports per-upstream active/idle connections and full/resumed handshakes', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    // `/close` answers with Connection: close, so the next request dials (and resumes) again.
    const closing = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem }, (req, res) => {
      if (req.url === '/close') res.setHeader('connection', 'close');
      if (req.url === '/hold') return void held.then(() => echoHandler()(req, res));
      echoHandler()(req, res);
    });
    const up = upstream({ client: pki.client });
    const harness = await startProxy({ model: seedModel(up), credentials: storeWith(pki.client), resolve: toLoopback(closing.port) });
    try {
      assert.deepEqual(harness.proxy.stats().upstreams, [{ upstream: up.name, active: 0, idle: 0, handshakes: { full: 0, resumed: 0 } }]);
      assert.equal((await request(harness.server.port, 'example-hostname.ngrok.io', '/close')).status, 200);
      assert.equal((await request(harness.server.port, 'example-hostname.ngrok.io', '/')).status, 200);
      assert.deepEqual(harness.proxy.stats().upstreams, [{ upstream: up.name, active: 0, idle: 1, handshakes: { full: 1, resumed: 1 } }]);
      const holding = request(harness.server.port, 'example-hostname.ngrok.io', '/hold');
      while (harness.proxy.stats().upstreams[0]?.active !== 1) await new Promise((r) => setTimeout(r, 5));
      assert.equal(harness.proxy.stats().upstreams[0]?.idle, 0);
      release();
      assert.equal((await holding).status, 200);
      assert.equal(harness.proxy.stats().caches.tlsSessions > 0, true);
      assert.equal(harness.proxy.stats().caches.secureContexts, 1);
    } finally {
      release();
      await harness.close();
      await closing.close();
    }
  });

  describe('HTTP/2', () => {
    let h2: RunningServer<http2.Http2SecureServer>;
    const sessionsClosed: Promise<void>[] = [];
    before(async () => {
      const s = http2.createSecureServer({
        cert: pki.server.certPem,
        key: pki.server.keyPem,
        ca: pki.ca.certPem,
        requestCert: true,
        rejectUnauthorized: true,
      });
      s.on('session', (session) => sessionsClosed.push(new Promise((resolve) => session.once('close', () => resolve()))));
      s.on('stream', (stream) => {
        const peer = (stream.session?.socket as tls.TLSSocket | undefined)?.getPeerCertificate();
        stream.respond({ ':status': 200 });
        stream.end(JSON.stringify({ subject: `CN=${peer?.subject?.CN ?? ''}` }));
      });
      h2 = await listen(s);
    });
    after(() => h2.close());

    it('a rotated identity opens a new session; the old one is closed', async () => {
      const store = storeWith(pki.client);
      const harness = await startProxy({
        model: seedModel(upstream({ client: pki.client, protocol: 'http2' })),
        credentials: store,
        resolve: toLoopback(h2.port),
      });
      try {
        assert.equal(
          (JSON.parse((await request(harness.server.port, 'example-hostname.ngrok.io')).body) as Echo).subject,
          'CN=ExampleClient',
        );
        const rotated = await issue(pki.ca, { subject: 'CN=RotatedH2', extendedKeyUsage: ['clientAuth'], keyType: 'ec' });
        store.set(CLIENT_SECRET, { certChainPem: rotated.certPem, keyPem: rotated.keyPem });
        assert.equal((JSON.parse((await request(harness.server.port, 'example-hostname.ngrok.io')).body) as Echo).subject, 'CN=RotatedH2');
        assert.equal(sessionsClosed.length, 2);
        await sessionsClosed[0];
        const [h2stats] = harness.proxy.stats().upstreams;
        assert.deepEqual([h2stats?.active, h2stats?.idle, h2stats?.handshakes.full], [0, 1, 2]);
      } finally {
        await harness.close();
      }
    });

    it('fails closed (502 client_certificate_missing) without dialing', async () => {
      const before = h2.connections;
      const harness = await startProxy({
        model: seedModel(upstream({ client: pki.client, protocol: 'http2' })),
        credentials: storeWith(),
        resolve: toLoopback(h2.port),
      });
      try {
        const answer = await request(harness.server.port, 'example-hostname.ngrok.io');
        assert.equal(answer.status, 502);
        assert.equal(answer.headers['x-kupstream-error'], 'client_certificate_missing');
        assert.equal(h2.connections, before);
      } finally {
        await harness.close();
      }
    });
  });
});
