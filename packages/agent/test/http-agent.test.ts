// The dialer inside a plain http.Agent, as the README's one-liner shows it: the TLS 1.3
// verdict on our certificate, and pooled connections across credential changes.
import assert from 'node:assert/strict';
import http from 'node:http';
import httpsModule from 'node:https';
import type https from 'node:https';
import type net from 'node:net';
import { createCa, createSeedPki, issue, type Issued, type SeedPki } from '@kupstream/test-pki';
import { createUpstreamDialer, dialerAgent, UpstreamError, type UpstreamDialer } from '../src/index.js';
import { CLIENT_SECRET, storeWith, toLoopback, upstream } from './support/fixtures.js';
import { httpsEchoServer, readJson, type Echo, type RunningServer } from './support/servers.js';

function send(
  agent: http.Agent,
  init: { method?: string; body?: string; headers?: http.OutgoingHttpHeaders } = {},
): Promise<{ status: number; echo: Echo }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: 'example-service.default', path: '/', agent, method: init.method ?? 'GET', headers: init.headers ?? {} },
      (res) => {
        readJson<Echo>(res).then((echo) => resolve({ status: res.statusCode ?? 0, echo }), reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

function oneLiner(dialer: UpstreamDialer, options: http.AgentOptions = {}): http.Agent {
  const agent = new http.Agent(options);
  agent.createConnection = dialer.createConnection;
  return agent;
}

describe('the dialer in a plain http.Agent', () => {
  let pki: SeedPki;
  let rogue: Issued;
  let server: RunningServer<https.Server>;
  /** Bytes each TCP connection sent the server, recorded when it closes. */
  const received: number[] = [];
  before(async () => {
    pki = await createSeedPki();
    const otherCa = await createCa({ subject: 'CN=OtherCA', keyType: 'ec' });
    rogue = await issue(otherCa, { subject: 'CN=Rogue', extendedKeyUsage: ['clientAuth'], keyType: 'ec' });
    server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem, minVersion: 'TLSv1.3' });
    server.server.on('connection', (socket: net.Socket) => socket.once('close', () => received.push(socket.bytesRead)));
  });
  after(() => server.close());

  for (const keepAlive of [false, true]) {
    it(`agent.createConnection = dialer.createConnection (keepAlive ${keepAlive}): a TLS 1.3 rejection is client_certificate_rejected and no request byte is sent`, async () => {
      const dialer = createUpstreamDialer(upstream({ client: rogue }), { credentials: storeWith(rogue), resolve: toLoopback(server.port) });
      const agent = oneLiner(dialer, { keepAlive });
      try {
        received.length = 0;
        // A body far larger than the whole handshake: had it been written, the server would have read it.
        const body = 'x'.repeat(64 * 1024);
        await assert.rejects(
          send(agent, { method: 'POST', body }),
          (err: Error) => err instanceof UpstreamError && err.code === 'client_certificate_rejected' && err.phase === 'post-handshake',
        );
        while (received.length === 0) await new Promise((r) => setTimeout(r, 5));
        assert.ok(received[0]! < 16 * 1024, `the server read ${received[0]} bytes`);
      } finally {
        agent.destroy();
      }
    });
  }

  it('the one-liner serves requests once the verdict is in (keep-alive reuses the connection)', async () => {
    const dialer = createUpstreamDialer(upstream({ client: pki.client }), {
      credentials: storeWith(pki.client),
      resolve: toLoopback(server.port),
    });
    const agent = oneLiner(dialer, { keepAlive: true });
    try {
      const first = await send(agent, { method: 'POST', body: 'hello' });
      const second = await send(agent);
      assert.equal(first.echo.subject, 'CN=ExampleClient');
      assert.equal(first.echo.body, 'hello');
      assert.equal(second.echo.remotePort, first.echo.remotePort);
    } finally {
      agent.destroy();
    }
  });

  it("a plain http.Agent keeps serving a deleted Secret's identity on its pooled connection (why dialerAgent exists)", async () => {
    const store = storeWith(pki.client);
    const dialer = createUpstreamDialer(upstream({ client: pki.client }), { credentials: store, resolve: toLoopback(server.port) });
    const agent = oneLiner(dialer, { keepAlive: true });
    try {
      assert.equal((await send(agent)).echo.subject, 'CN=ExampleClient');
      store.delete(CLIENT_SECRET);
      assert.equal((await send(agent)).echo.subject, 'CN=ExampleClient', 'the pooled connection outlived its Secret');
    } finally {
      agent.destroy();
    }
  });

  it('dialerAgent: a rotation closes idle connections of the old identity and the next request uses the new one; a deletion fails closed', async () => {
    const store = storeWith(pki.client);
    const dialer = createUpstreamDialer(upstream({ client: pki.client }), { credentials: store, resolve: toLoopback(server.port) });
    const agent = dialerAgent(dialer, { maxSockets: 4 });
    const closed = new Promise<void>((resolve) =>
      server.server.once('secureConnection', (socket: net.Socket) => socket.once('close', () => resolve())),
    );
    try {
      const first = await send(agent);
      const again = await send(agent);
      assert.equal(again.echo.remotePort, first.echo.remotePort, 'kept alive while the identity holds');
      assert.match(agent.getName({ host: 'example-service.default', port: 80 }), /\|default\/client-cert-secret@1\|/);
      const rotated = await issue(pki.ca, { subject: 'CN=RotatedAgent', extendedKeyUsage: ['clientAuth'], keyType: 'ec' });
      store.set(CLIENT_SECRET, { certChainPem: rotated.certPem, keyPem: rotated.keyPem });
      await closed;
      const after = await send(agent);
      assert.equal(after.echo.subject, 'CN=RotatedAgent');
      assert.notEqual(after.echo.remotePort, first.echo.remotePort);
      store.delete(CLIENT_SECRET);
      await assert.rejects(send(agent), (err: Error) => err instanceof UpstreamError && err.code === 'client_certificate_missing');
      assert.ok(
        Object.values(agent.freeSockets)
          .flat()
          .every((socket) => socket?.destroyed),
        'the deleted identity keeps no idle connection',
      );
    } finally {
      agent.destroy();
    }
    assert.equal(store.listenerCount('change') > 0, true);
    const before = store.listenerCount('change');
    dialerAgent(dialer).destroy();
    assert.equal(store.listenerCount('change'), before, 'destroy() stops following the store');
  });

  it('dialerAgent with protocol https: works with https.request', async () => {
    const dialer = createUpstreamDialer(upstream({ client: pki.client }), {
      credentials: storeWith(pki.client),
      resolve: toLoopback(server.port),
    });
    const agent = dialerAgent(dialer, { protocol: 'https:' });
    try {
      const echo = await new Promise<Echo>((resolve, reject) => {
        httpsModule
          .get({ host: 'example-service.default', path: '/tls', agent }, (res) => readJson<Echo>(res).then(resolve, reject))
          .on('error', reject);
      });
      assert.equal(echo.subject, 'CN=ExampleClient');
      assert.equal(echo.url, '/tls');
    } finally {
      agent.destroy();
    }
  });
});
