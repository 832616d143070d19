// The dialer inside other clients: https.request, undici and http2.connect.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import { createSeedPki, issue, type Issued, type SeedPki } from '@kupstream/test-pki';
import { Agent as UndiciAgent, request as undiciRequest } from 'undici';
import { createUpstreamDialer } from '../src/index.js';
import { storeWith, toLoopback, upstream } from './support/fixtures.js';
import { httpsEchoServer, listen, readJson, type Echo, type RunningServer } from './support/servers.js';
import { endpoint, model, request, route, seedModel, startProxy } from './support/proxy-harness.js';

describe('embedding the dialer', () => {
  let pki: SeedPki;
  let second: Issued;
  let server: RunningServer<https.Server>;
  before(async () => {
    pki = await createSeedPki();
    second = await issue(pki.ca, { subject: 'CN=SecondClient', extendedKeyUsage: ['clientAuth'], keyType: 'ec' });
    server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
  });
  after(() => server.close());

  it('https.request with a keep-alive https.Agent whose createConnection is the dialer', async () => {
    const dialer = createUpstreamDialer(upstream({ client: pki.client }), {
      credentials: storeWith(pki.client),
      resolve: toLoopback(server.port),
    });
    const agent = new https.Agent({ keepAlive: true });
    agent.createConnection = dialer.createConnection;
    try {
      const ports: number[] = [];
      for (let i = 0; i < 2; i++) {
        const echo = await new Promise<Echo>((resolve, reject) => {
          https
            .get({ host: 'example-service.default', path: `/n${i}`, agent }, (res) => readJson<Echo>(res).then(resolve, reject))
            .on('error', reject);
        });
        assert.equal(echo.subject, 'CN=ExampleClient');
        ports.push(echo.remotePort);
      }
      assert.equal(ports[0], ports[1], 'the second request reused the kept-alive connection');
    } finally {
      agent.destroy();
    }
  });

  it("undici's Agent with connect: dialer.createConnection", async () => {
    const dialer = createUpstreamDialer(upstream({ client: pki.client }), {
      credentials: storeWith(pki.client),
      resolve: toLoopback(server.port),
    });
    const dispatcher = new UndiciAgent({ connect: dialer.createConnection });
    try {
      const res = await undiciRequest('https://example-service.default/undici', { dispatcher });
      const echo = (await res.body.json()) as Echo;
      assert.equal(res.statusCode, 200);
      assert.equal(echo.subject, 'CN=ExampleClient');
      assert.equal(echo.url, '/undici');
    } finally {
      await dispatcher.close();
    }
  });

  it('undici sees the typed error when the upstream refuses (no certificate)', async () => {
    const dialer = createUpstreamDialer(upstream({ client: false }), { credentials: storeWith(), resolve: toLoopback(server.port) });
    const dispatcher = new UndiciAgent({ connect: dialer.createConnection });
    try {
      await assert.rejects(
        undiciRequest('https://example-service.default/', { dispatcher }),
        (err: Error & { code?: string }) => err.code === 'client_certificate_required',
      );
    } finally {
      await dispatcher.close();
    }
  });

  it('http2.connect with createConnection, against an HTTP/2 server that requires client certificates', async () => {
    const h2server = http2.createSecureServer({
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    });
    h2server.on('stream', (stream, headers) => {
      const peer = (stream.session?.socket as tls.TLSSocket | undefined)?.getPeerCertificate();
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ subject: peer?.subject ? `CN=${peer.subject.CN}` : null, path: headers[':path'] }));
    });
    const running = await listen(h2server);
    const dialer = createUpstreamDialer(upstream({ client: pki.client, protocol: 'http2' }), {
      credentials: storeWith(pki.client),
      resolve: toLoopback(running.port),
    });
    const session = http2.connect('https://example-service.default', {
      createConnection: () => dialer.createConnection() as tls.TLSSocket,
    });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ':path': '/h2' });
        let data = '';
        stream.setEncoding('utf8');
        stream.on('data', (c: string) => (data += c));
        stream.on('end', () => resolve(data));
        stream.on('error', reject);
        stream.end();
      });
      assert.deepEqual(JSON.parse(body), { subject: 'CN=ExampleClient', path: '/h2' });
    } finally {
      session.close();
      await running.close();
    }
  });

  it("Node's https.Agent mixes identities on one keep-alive pool (secureContext is not in its key)", async () => {
    // The pitfall the per-identity pools exist for: measured, not assumed.
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (ctx: tls.SecureContext) =>
      new Promise<Echo>((resolve, reject) => {
        https
          .get(
            {
              host: '127.0.0.1',
              port: server.port,
              path: '/',
              agent,
              secureContext: ctx,
              rejectUnauthorized: false,
            } as https.RequestOptions,
            (res) => readJson<Echo>(res).then(resolve, reject),
          )
          .on('error', reject);
      });
    try {
      const first = await get(tls.createSecureContext({ cert: pki.client.certPem, key: pki.client.keyPem }));
      const secondEcho = await get(tls.createSecureContext({ cert: second.certPem, key: second.keyPem }));
      assert.equal(first.subject, 'CN=ExampleClient');
      assert.equal(secondEcho.subject, 'CN=ExampleClient', 'https.Agent handed identity B the connection of identity A');
    } finally {
      agent.destroy();
    }
  });

  it('the proxy keeps two identities on one upstream apart over keep-alive', async () => {
    const store = storeWith(pki.client);
    const otherSecret = { namespace: 'team-b', name: 'second-client' };
    store.set(otherSecret, { certChainPem: second.certPem, keyPem: second.keyPem });
    const a = upstream({ name: 'a', client: pki.client });
    const b = upstream({ name: 'b', client: second });
    if (b.tls?.clientCertificate) b.tls.clientCertificate.secret = otherSecret;
    const m = model(
      [endpoint('https://a.example', [route('a', [{ upstream: 'a' }])]), endpoint('https://b.example', [route('b', [{ upstream: 'b' }])])],
      [a, b],
    );
    const harness = await startProxy({ model: m, credentials: store, resolve: toLoopback(server.port) });
    try {
      const seen: Record<string, Set<string>> = { a: new Set(), b: new Set() };
      const subjects: Record<string, Set<string>> = { a: new Set(), b: new Set() };
      for (let i = 0; i < 6; i++) {
        for (const host of ['a', 'b'] as const) {
          const answer = await request(harness.server.port, `${host}.example`);
          const echo = JSON.parse(answer.body) as Echo;
          seen[host]!.add(String(echo.remotePort));
          subjects[host]!.add(echo.subject ?? '');
        }
      }
      assert.deepEqual([...subjects.a!], ['CN=ExampleClient']);
      assert.deepEqual([...subjects.b!], ['CN=SecondClient']);
      // Keep-alive worked (one connection each) and no connection served both identities.
      assert.equal(seen.a!.size, 1);
      assert.equal(seen.b!.size, 1);
      assert.equal([...seen.a!].filter((p) => seen.b!.has(p)).length, 0);
    } finally {
      await harness.close();
    }
  });

  it('seed model through the proxy answers with the client subject (smoke for the CLI path)', async () => {
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: storeWith(pki.client),
      resolve: toLoopback(server.port),
    });
    try {
      assert.equal(
        (JSON.parse((await request(harness.server.port, 'example-hostname.ngrok.io')).body) as Echo).subject,
        'CN=ExampleClient',
      );
    } finally {
      await harness.close();
    }
  });
});
