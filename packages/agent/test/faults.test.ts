// Issue 8, upstream faults: each one answered with its typed status, and service resuming
// by itself once the upstream recovers, with nothing restarted on the proxy side.
import assert from 'node:assert/strict';
import type https from 'node:https';
import net from 'node:net';
import { createCa, createSeedPki, issue, type Issued, type SeedPki } from '@kupstream/test-pki';
import type { UpstreamErrorEvent } from '../src/index.js';
import { caVerification, storeWith, toLoopback, upstream } from './support/fixtures.js';
import { request, seedModel, startProxy, type Answer, type Harness } from './support/proxy-harness.js';
import { closedPort, echoHandler, httpsEchoServer, listen, type RunningServer } from './support/servers.js';

const HOST = 'example-hostname.ngrok.io';

function assertCode(answer: Answer, status: number, code: string): void {
  assert.equal(answer.status, status, answer.body);
  assert.equal(answer.headers['x-kupstream-error'], code);
}

describe('upstream faults (issue 8)', () => {
  let pki: SeedPki;
  let foreign: Issued;
  let expired: Issued;
  before(async () => {
    pki = await createSeedPki({ serverNames: ['example-service.default'] });
    const otherCa = await createCa({ subject: 'CN=OtherCA', keyType: 'ec' });
    foreign = await issue(otherCa, { subject: 'CN=impostor', dnsNames: ['example-service.default'], keyType: 'ec' });
    expired = await issue(pki.ca, {
      subject: 'CN=old',
      dnsNames: ['example-service.default'],
      notBefore: new Date(Date.now() - 10 * 864e5),
      notAfter: new Date(Date.now() - 864e5),
      keyType: 'ec',
    });
  });

  function proxyTo(port: number, extra: { handshake?: number; verify?: boolean } = {}): Promise<Harness> {
    const verification = extra.verify ? caVerification(pki.ca.certPem, 'example-service.default') : undefined;
    return startProxy({
      model: seedModel(upstream({ client: pki.client, ...(verification ? { verification } : {}) })),
      credentials: storeWith(pki.client, [pki.ca.certPem]),
      resolve: toLoopback(port),
      ...(extra.handshake ? { timeouts: { handshake: extra.handshake } } : {}),
    });
  }

  it('refused: 502 connection_refused, then 200 once the upstream listens', async () => {
    const port = await closedPort();
    const harness = await proxyTo(port);
    let server: RunningServer<https.Server> | undefined;
    try {
      assertCode(await request(harness.server.port, HOST), 502, 'connection_refused');
      server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem }, echoHandler(), port);
      assert.equal((await request(harness.server.port, HOST)).status, 200);
    } finally {
      await harness.close();
      await server?.close();
    }
  });

  it('reset before and during the response: 502 connection_reset, a cut-short body, an event each; then 200', async () => {
    const server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem }, (req, res) => {
      if (req.url === '/drop') return void req.socket.destroy();
      if (req.url === '/cut') {
        res.writeHead(200, { 'content-length': 1000 });
        res.write('x'.repeat(100), () => setImmediate(() => req.socket.destroy()));
        return;
      }
      echoHandler()(req, res);
    });
    const harness = await proxyTo(server.port);
    const events: UpstreamErrorEvent[] = [];
    harness.proxy.on('upstreamError', (e) => events.push(e));
    try {
      assertCode(await request(harness.server.port, HOST, '/drop'), 502, 'connection_reset');
      await assert.rejects(request(harness.server.port, HOST, '/cut'));
      assert.deepEqual(
        events.map((e) => [e.path, e.error.code]),
        [
          ['/drop', 'connection_reset'],
          ['/cut', 'connection_reset'],
        ],
      );
      assert.equal((await request(harness.server.port, HOST, '/ok')).status, 200);
      assert.equal(harness.proxy.stats().inFlight, 0);
    } finally {
      await harness.close();
      await server.close();
    }
  });

  it('stalls before and during the TLS handshake: 504 handshake_timeout, then 200 when it answers again', async () => {
    const real = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
    let mode: 'silent' | 'first-flight' | 'healthy' = 'silent';
    const relays = new Set<net.Socket>();
    // In front of the real server: says nothing, relays the start of the server's first TLS flight only, or relays all.
    const front = await listen(
      net.createServer((client) => {
        relays.add(client);
        client.on('close', () => relays.delete(client));
        client.on('error', () => undefined);
        if (mode === 'silent') return;
        const server = net.connect(real.port, '127.0.0.1');
        server.on('error', () => client.destroy());
        client.on('close', () => server.destroy());
        client.pipe(server);
        if (mode === 'healthy') return void server.pipe(client);
        // Part of the ServerHello: the handshake has begun and never completes.
        server.once('data', (chunk: Buffer) => client.write(chunk.subarray(0, 64)));
      }),
    );
    const harness = await proxyTo(front.port, { handshake: 300 });
    try {
      assertCode(await request(harness.server.port, HOST), 504, 'handshake_timeout');
      mode = 'first-flight';
      assertCode(await request(harness.server.port, HOST), 504, 'handshake_timeout');
      mode = 'healthy';
      assert.equal((await request(harness.server.port, HOST)).status, 200);
    } finally {
      await harness.close();
      await front.close();
      await real.close();
    }
  });

  it('ca verification: a foreign or expired server certificate is 502 certificate_untrusted / certificate_expired; then 200 after the fix', async () => {
    const server = await httpsEchoServer({ cert: foreign.certPem, key: foreign.keyPem, clientCa: pki.ca.certPem });
    const harness = await proxyTo(server.port, { verify: true });
    try {
      assertCode(await request(harness.server.port, HOST), 502, 'certificate_untrusted');
      server.server.setSecureContext({ cert: expired.certPem, key: expired.keyPem, ca: pki.ca.certPem });
      assertCode(await request(harness.server.port, HOST), 502, 'certificate_expired');
      server.server.setSecureContext({ cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.ca.certPem });
      const fixed = await request(harness.server.port, HOST);
      assert.equal(fixed.status, 200, fixed.body);
    } finally {
      await harness.close();
      await server.close();
    }
  });

  it('an upstream closing pooled connections, idle or as a request crosses the close: every idempotent request still succeeds', async () => {
    // A connection serves one request. After `/end` it is closed once idle (the proxy notices);
    // otherwise it is closed when the next request arrives on it (the close crossed the
    // request): the proxy retries that once on a fresh connection.
    const served = new WeakSet<net.Socket>();
    const server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem }, (req, res) => {
      if (served.has(req.socket)) return void req.socket.destroy();
      served.add(req.socket);
      if (req.url?.endsWith('/end')) res.once('finish', () => setImmediate(() => req.socket.end()));
      echoHandler()(req, res);
    });
    const harness = await proxyTo(server.port);
    const events: UpstreamErrorEvent[] = [];
    harness.proxy.on('upstreamError', (e) => events.push(e));
    const methods = ['GET', 'HEAD', 'DELETE', 'OPTIONS'];
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        statuses.push(
          (await request(harness.server.port, HOST, `/${i}${i % 3 ? '' : '/end'}`, { method: methods[i % 4] ?? 'GET' })).status,
        );
      }
      assert.deepEqual([...new Set(statuses)], [200]);
      assert.deepEqual(events, []);
      assert.ok(server.connections >= 40, 'every request needed a fresh connection in the end');
    } finally {
      await harness.close();
      await server.close();
    }
  });
});
