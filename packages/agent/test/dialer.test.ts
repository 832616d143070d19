import assert from 'node:assert/strict';
import http from 'node:http';
import type https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import { createCa, createSeedPki, issue, type Issued, type SeedPki } from '@kupstream/test-pki';
import { connectionInfo, createUpstreamDialer, UpstreamError, type UpstreamDialer } from '../src/index.js';
import { caVerification, CLIENT_SECRET, storeWith, systemVerification, toLoopback, upstream } from './support/fixtures.js';
import { closedPort, httpEchoServer, httpsEchoServer, readJson, silentServer, type Echo, type RunningServer } from './support/servers.js';

/** One GET through an http.Agent whose createConnection is the dialer's. */
function getVia(dialer: UpstreamDialer, path = '/'): Promise<{ status: number; echo: Echo }> {
  const agent = new http.Agent({ keepAlive: false });
  agent.createConnection = dialer.createConnection;
  return new Promise((resolve, reject) => {
    http
      .get({ host: 'example-service.default', path, agent }, (res) => {
        readJson<Echo>(res).then((echo) => resolve({ status: res.statusCode ?? 0, echo }), reject);
      })
      .on('error', reject);
  });
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<UpstreamError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof UpstreamError, `expected an UpstreamError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

describe('createUpstreamDialer', () => {
  let pki: SeedPki;
  let rogue: Issued;
  let expiredServer: Issued;
  let ipServer: Issued;
  before(async () => {
    pki = await createSeedPki({ serverNames: ['example-service.default', 'api.internal'] });
    const otherCa = await createCa({ subject: 'CN=OtherCA', keyType: 'ec' });
    rogue = await issue(otherCa, { subject: 'CN=Rogue', extendedKeyUsage: ['clientAuth'], keyType: 'ec' });
    expiredServer = await issue(pki.ca, {
      subject: 'CN=old',
      dnsNames: ['example-service.default'],
      notBefore: new Date(Date.now() - 10 * 864e5),
      notAfter: new Date(Date.now() - 864e5),
      keyType: 'ec',
    });
    ipServer = await issue(pki.ca, { subject: 'CN=ip', ipAddresses: ['127.0.0.1'], keyType: 'ec' });
  });

  describe('against a Node https server that requires client certificates', () => {
    let server: RunningServer<https.Server>;
    before(async () => {
      server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
    });
    after(() => server.close());

    it('presents the client certificate from the store, with the model SNI and ALPN', async () => {
      const dialer = createUpstreamDialer(upstream({ client: pki.client }), {
        credentials: storeWith(pki.client),
        resolve: toLoopback(server.port),
      });
      const { status, echo } = await getVia(dialer);
      assert.equal(status, 200);
      assert.equal(echo.subject, 'CN=ExampleClient');
      assert.equal(echo.servername, 'example-service.default');
      assert.equal(echo.alpn, 'http/1.1');
    });

    it('connect() resolves a ready TLS socket and describes it', async () => {
      const dialer = createUpstreamDialer(upstream({ client: pki.client }), {
        credentials: storeWith(pki.client),
        resolve: toLoopback(server.port),
      });
      const socket = (await dialer.connect()) as tls.TLSSocket;
      const info = connectionInfo(socket);
      socket.destroy();
      assert.equal(info?.ready, true);
      assert.equal(info?.clientIdentity, `${CLIENT_SECRET.namespace}/${CLIENT_SECRET.name}@1`);
      assert.equal(info?.clientSha256, pki.client.sha256);
      assert.equal(info?.tlsVersion, 'TLSv1.3');
    });

    it('without the certificate the server refuses: client_certificate_required (TLS 1.3)', async () => {
      const dialer = createUpstreamDialer(upstream({ client: false }), { credentials: storeWith(), resolve: toLoopback(server.port) });
      await rejectsWith(dialer.connect(), 'client_certificate_required');
    });

    it('a certificate from another CA is rejected after the TLS 1.3 handshake: client_certificate_rejected', async () => {
      const dialer = createUpstreamDialer(upstream({ client: rogue }), { credentials: storeWith(rogue), resolve: toLoopback(server.port) });
      const err = await rejectsWith(dialer.connect(), 'client_certificate_rejected');
      assert.equal(err.phase, 'post-handshake');
      assert.equal(err.status, 502);
    });

    it('through http.Agent too, the TLS 1.3 rejection is a typed error, not "socket hang up"', async () => {
      const rejected = createUpstreamDialer(upstream({ client: rogue }), {
        credentials: storeWith(rogue),
        resolve: toLoopback(server.port),
      });
      await assert.rejects(getVia(rejected), (err: Error) => err instanceof UpstreamError && err.code === 'client_certificate_rejected');
      const missing = createUpstreamDialer(upstream({ client: false }), { credentials: storeWith(), resolve: toLoopback(server.port) });
      await assert.rejects(getVia(missing), (err: Error) => err instanceof UpstreamError && err.code === 'client_certificate_required');
    });

    it('fails closed when the store lacks the client certificate: nothing is dialed', async () => {
      const before = server.connections;
      const dialer = createUpstreamDialer(upstream({ client: pki.client }), { credentials: storeWith(), resolve: toLoopback(server.port) });
      await rejectsWith(dialer.connect(), 'client_certificate_missing');
      await assert.rejects(getVia(dialer), (err: Error) => err instanceof UpstreamError && err.code === 'client_certificate_missing');
      assert.equal(server.connections, before);
    });

    it('never dials an unavailable upstream', async () => {
      const before = server.connections;
      const model = {
        ...upstream({ client: pki.client }),
        unavailable: { code: 'InvalidClientCertificateRef', reason: 'Secret default/x not found' },
      };
      const dialer = createUpstreamDialer(model, { credentials: storeWith(pki.client), resolve: toLoopback(server.port) });
      const err = await rejectsWith(dialer.connect(), 'upstream_unavailable');
      assert.equal(err.causeCode, 'InvalidClientCertificateRef');
      assert.equal(err.status, 500);
      assert.equal(server.connections, before);
    });

    it('a resumed TLS 1.3 session is ready without the verdict wait (the server sends no ticket then)', async () => {
      // The cached ticket was itself the server's acceptance of this identity.
      const dialer = createUpstreamDialer(upstream({ client: pki.client }), {
        credentials: storeWith(pki.client),
        resolve: toLoopback(server.port),
        postHandshakeTimeout: 20_000,
      });
      (await dialer.connect()).destroy();
      let guard: NodeJS.Timeout | undefined;
      const waitedForVerdict = new Promise<'waited'>((resolve) => (guard = setTimeout(() => resolve('waited'), 10_000)));
      try {
        const resumed = await Promise.race([dialer.connect(), waitedForVerdict]);
        assert.notEqual(resumed, 'waited', 'connect() waited for a verdict a resumed session never gets');
        if (resumed !== 'waited') {
          assert.equal(connectionInfo(resumed)?.sessionReused, true);
          resumed.destroy();
        }
      } finally {
        clearTimeout(guard);
      }
    });

    it('resumes a TLS session only under the same identity', async () => {
      const store = storeWith(pki.client);
      const dialer = createUpstreamDialer(upstream({ client: pki.client }), { credentials: store, resolve: toLoopback(server.port) });
      (await dialer.connect()).destroy();
      const second = await dialer.connect();
      assert.equal(connectionInfo(second)?.sessionReused, true);
      second.destroy();
      // Same upstream, same store, a rotated identity: a full handshake with the new certificate.
      const rotated = await issue(pki.ca, { subject: 'CN=Rotated', extendedKeyUsage: ['clientAuth'], keyType: 'ec' });
      store.set(CLIENT_SECRET, { certChainPem: rotated.certPem, keyPem: rotated.keyPem });
      const third = await dialer.connect();
      assert.equal(connectionInfo(third)?.sessionReused, false);
      assert.equal(connectionInfo(third)?.clientSha256, rotated.sha256);
      third.destroy();
      const { echo } = await getVia(dialer);
      assert.equal(echo.subject, 'CN=Rotated');
    });
  });

  describe('TLS 1.2 server', () => {
    let server: RunningServer<https.Server>;
    before(async () => {
      server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem, maxVersion: 'TLSv1.2' });
    });
    after(() => server.close());

    it('presents the client certificate', async () => {
      const dialer = createUpstreamDialer(upstream({ client: pki.client }), {
        credentials: storeWith(pki.client),
        resolve: toLoopback(server.port),
      });
      assert.equal((await getVia(dialer)).echo.subject, 'CN=ExampleClient');
    });
    it('client_certificate_required without one', async () => {
      const dialer = createUpstreamDialer(upstream({ client: false }), { credentials: storeWith(), resolve: toLoopback(server.port) });
      await rejectsWith(dialer.connect(), 'client_certificate_required');
    });
    it('client_certificate_rejected for a foreign one', async () => {
      const dialer = createUpstreamDialer(upstream({ client: rogue }), { credentials: storeWith(rogue), resolve: toLoopback(server.port) });
      await rejectsWith(dialer.connect(), 'client_certificate_rejected');
    });
    it('refuses to go below the model minimum version: tls_version_unsupported', async () => {
      const dialer = createUpstreamDialer(upstream({ client: pki.client, minVersion: 'TLSv1.3' }), {
        credentials: storeWith(pki.client),
        resolve: toLoopback(server.port),
      });
      await rejectsWith(dialer.connect(), 'tls_version_unsupported');
    });
  });

  describe('verification', () => {
    let server: RunningServer<https.Server>;
    let expired: RunningServer<https.Server>;
    let byIp: RunningServer<https.Server>;
    before(async () => {
      server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
      expired = await httpsEchoServer({ cert: expiredServer.certPem, key: expiredServer.keyPem, clientCa: pki.ca.certPem });
      byIp = await httpsEchoServer({ cert: ipServer.certPem, key: ipServer.keyPem, clientCa: pki.ca.certPem });
    });
    after(async () => {
      await Promise.all([server.close(), expired.close(), byIp.close()]);
    });

    it('ca: trusts the bundle from the store and checks the hostname', async () => {
      const model = upstream({ client: pki.client, verification: caVerification(pki.ca.certPem, 'example-service.default') });
      const dialer = createUpstreamDialer(model, {
        credentials: storeWith(pki.client, [pki.ca.certPem]),
        resolve: toLoopback(server.port),
      });
      assert.equal((await getVia(dialer)).echo.subject, 'CN=ExampleClient');
    });
    it('ca: SNI and the checked name come from the model (serverName api.internal)', async () => {
      const model = upstream({
        client: pki.client,
        serverName: 'api.internal',
        verification: caVerification(pki.ca.certPem, 'api.internal'),
      });
      const dialer = createUpstreamDialer(model, {
        credentials: storeWith(pki.client, [pki.ca.certPem]),
        resolve: toLoopback(server.port),
      });
      assert.equal((await getVia(dialer)).echo.servername, 'api.internal');
    });
    it('verifyDepth: a chain with an intermediate needs depth 2 (nginx proxy_ssl_verify_depth)', async () => {
      const intermediate = await issue(pki.ca, { subject: 'CN=ExampleIntermediate', isCa: true });
      const leaf = await issue(intermediate, {
        subject: 'CN=example-service.default',
        dnsNames: ['example-service.default'],
        extendedKeyUsage: ['serverAuth'],
      });
      const chained = await httpsEchoServer({ cert: leaf.certPem + intermediate.certPem, key: leaf.keyPem, clientCa: pki.ca.certPem });
      try {
        const dial = (verifyDepth: number) => {
          const model = upstream({ client: pki.client, verification: caVerification(pki.ca.certPem, 'example-service.default') });
          model.tls!.verifyDepth = verifyDepth;
          return createUpstreamDialer(model, { credentials: storeWith(pki.client, [pki.ca.certPem]), resolve: toLoopback(chained.port) });
        };
        await rejectsWith(dial(1).connect(), 'certificate_untrusted');
        assert.equal((await getVia(dial(2))).echo.subject, 'CN=ExampleClient');
      } finally {
        await chained.close();
      }
    });
    it('ca: hostname_mismatch', async () => {
      const model = upstream({ client: pki.client, verification: caVerification(pki.ca.certPem, 'other.default') });
      const dialer = createUpstreamDialer(model, {
        credentials: storeWith(pki.client, [pki.ca.certPem]),
        resolve: toLoopback(server.port),
      });
      const before = server.connections;
      const err = await rejectsWith(dialer.connect(), 'hostname_mismatch');
      assert.equal(err.phase, 'verify');
      assert.equal(server.connections, before + 1);
    });
    it('ca: subjectAltNames replace the hostname check', async () => {
      const ok = upstream({
        client: pki.client,
        verification: caVerification(pki.ca.certPem, 'not-in-cert.default', [{ type: 'Hostname', hostname: 'api.internal' }]),
      });
      const okDialer = createUpstreamDialer(ok, { credentials: storeWith(pki.client, [pki.ca.certPem]), resolve: toLoopback(server.port) });
      (await okDialer.connect()).destroy();
      const bad = upstream({
        client: pki.client,
        verification: caVerification(pki.ca.certPem, 'example-service.default', [{ type: 'URI', uri: 'spiffe://cluster/ns/default/sa/x' }]),
      });
      const badDialer = createUpstreamDialer(bad, {
        credentials: storeWith(pki.client, [pki.ca.certPem]),
        resolve: toLoopback(server.port),
      });
      await rejectsWith(badDialer.connect(), 'hostname_mismatch');
    });
    it('ca: a server from another CA is certificate_untrusted', async () => {
      const otherCa = await createCa({ subject: 'CN=Unrelated', keyType: 'ec' });
      const model = upstream({ client: pki.client, verification: caVerification(otherCa.certPem, 'example-service.default') });
      const dialer = createUpstreamDialer(model, {
        credentials: storeWith(pki.client, [otherCa.certPem]),
        resolve: toLoopback(server.port),
      });
      await rejectsWith(dialer.connect(), 'certificate_untrusted');
    });
    it('ca: certificate_not_yet_valid', async () => {
      const future = await issue(pki.ca, {
        subject: 'CN=future',
        dnsNames: ['example-service.default'],
        notBefore: new Date(Date.now() + 864e5),
        notAfter: new Date(Date.now() + 10 * 864e5),
        keyType: 'ec',
      });
      const early = await httpsEchoServer({ cert: future.certPem, key: future.keyPem });
      try {
        const model = upstream({ client: false, verification: caVerification(pki.ca.certPem, 'example-service.default') });
        await rejectsWith(
          createUpstreamDialer(model, { credentials: storeWith(undefined, [pki.ca.certPem]), resolve: toLoopback(early.port) }).connect(),
          'certificate_not_yet_valid',
        );
      } finally {
        await early.close();
      }
    });
    it('ca: certificate_expired', async () => {
      const model = upstream({ client: pki.client, verification: caVerification(pki.ca.certPem, 'example-service.default') });
      const dialer = createUpstreamDialer(model, {
        credentials: storeWith(pki.client, [pki.ca.certPem]),
        resolve: toLoopback(expired.port),
      });
      await rejectsWith(dialer.connect(), 'certificate_expired');
    });
    it('ca: fails closed when the bundle is not in the store', async () => {
      const before = server.connections;
      const model = upstream({ client: pki.client, verification: caVerification(pki.ca.certPem, 'example-service.default') });
      const dialer = createUpstreamDialer(model, { credentials: storeWith(pki.client), resolve: toLoopback(server.port) });
      await rejectsWith(dialer.connect(), 'ca_bundle_missing');
      assert.equal(server.connections, before);
    });
    it("system: a private CA is not in Node's root store", async () => {
      const model = upstream({ client: pki.client, verification: systemVerification('example-service.default') });
      const dialer = createUpstreamDialer(model, { credentials: storeWith(pki.client), resolve: toLoopback(server.port) });
      await rejectsWith(dialer.connect(), 'certificate_untrusted');
    });
    it('none: encrypts without checking the server, still presents the client certificate', async () => {
      const dialer = createUpstreamDialer(upstream({ client: pki.client }), {
        credentials: storeWith(pki.client),
        resolve: toLoopback(expired.port),
      });
      assert.equal((await getVia(dialer)).echo.subject, 'CN=ExampleClient');
    });
    it('an IP literal is never sent as SNI, and IP SANs are verified', async () => {
      const model = upstream({
        host: '127.0.0.1',
        port: byIp.port,
        client: pki.client,
        verification: caVerification(pki.ca.certPem, '127.0.0.1'),
      });
      const dialer = createUpstreamDialer(model, { credentials: storeWith(pki.client, [pki.ca.certPem]) });
      const { echo } = await getVia(dialer);
      assert.equal(echo.servername, false);
      assert.equal(echo.subject, 'CN=ExampleClient');
      const wrong = upstream({
        host: '127.0.0.1',
        port: server.port,
        client: pki.client,
        verification: caVerification(pki.ca.certPem, '127.0.0.1'),
      });
      await rejectsWith(
        createUpstreamDialer(wrong, { credentials: storeWith(pki.client, [pki.ca.certPem]) }).connect(),
        'hostname_mismatch',
      );
    });
  });

  describe('credential hygiene', () => {
    it('material that does not load is client_certificate_invalid, and no error carries key material', async () => {
      // The client's certificate with the rogue's key: caught before any dial, described by names only.
      const mismatched = { certPem: pki.client.certPem, keyPem: rogue.keyPem };
      const dialer = createUpstreamDialer(upstream({ client: pki.client }), { credentials: storeWith(mismatched), resolve: toLoopback(1) });
      const err = await rejectsWith(dialer.connect(), 'client_certificate_invalid');
      const text = `${err.message} ${JSON.stringify(err)} ${String(err.stack)}`;
      assert.match(err.message, /PrivateKeyMismatch/);
      assert.equal(text.includes('PRIVATE KEY'), false);
      assert.equal(text.includes(rogue.keyPem.split('\n')[1] ?? 'x'), false);
    });
  });

  describe('network failures', () => {
    it('connection_refused', async () => {
      const dialer = createUpstreamDialer(upstream({ client: false }), {
        credentials: storeWith(),
        resolve: toLoopback(await closedPort()),
      });
      const err = await rejectsWith(dialer.connect(), 'connection_refused');
      assert.equal(err.phase, 'tcp');
    });
    it('dns_failure', async () => {
      const dialer = createUpstreamDialer(upstream({ host: 'no-such-host.invalid', client: false }), { credentials: storeWith() });
      const err = await rejectsWith(dialer.connect(), 'dns_failure');
      assert.equal(err.phase, 'dns');
    });
    it('connect_timeout covers DNS: a lookup that never answers (504)', async () => {
      const dialer = createUpstreamDialer(upstream({ client: false }), {
        credentials: storeWith(),
        lookup: () => undefined,
        connectTimeout: 150,
      });
      const err = await rejectsWith(dialer.connect(), 'connect_timeout');
      assert.equal(err.status, 504);
    });
    it('a custom lookup is used for DNS, and its failure is dns_failure', async () => {
      const plain = await httpEchoServer();
      try {
        const asked: string[] = [];
        // Node 20 asks with { all: true } (happy eyeballs) and expects a list.
        const lookup = ((
          hostname: string,
          options: { all?: boolean },
          callback: (err: NodeJS.ErrnoException | null, address: unknown, family?: number) => void,
        ) => {
          asked.push(hostname);
          if (hostname !== 'example-service.default')
            return callback(Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' }), undefined);
          if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
          else callback(null, '127.0.0.1', 4);
        }) as unknown as net.LookupFunction;
        const ok = createUpstreamDialer(upstream({ scheme: 'http', port: plain.port }), { credentials: storeWith(), lookup });
        assert.equal((await getVia(ok, '/dns')).echo.url, '/dns');
        const missing = createUpstreamDialer(upstream({ scheme: 'http', host: 'missing.default', port: plain.port }), {
          credentials: storeWith(),
          lookup,
        });
        await rejectsWith(missing.connect(), 'dns_failure');
        assert.deepEqual(asked, ['example-service.default', 'missing.default']);
      } finally {
        await plain.close();
      }
    });
    it('invalid_upstream for a URL the dialer cannot use', async () => {
      const dialer = createUpstreamDialer({ name: 'bad', url: 'ftp://files.default:21', protocol: 'http1' }, { credentials: storeWith() });
      const err = await rejectsWith(dialer.connect(), 'invalid_upstream');
      assert.equal(err.phase, 'config');
    });
    it('handshake_timeout when the upstream accepts TCP and never answers TLS (504)', async () => {
      const silent = await silentServer();
      try {
        const dialer = createUpstreamDialer(upstream({ client: false }), {
          credentials: storeWith(),
          resolve: toLoopback(silent.port),
          handshakeTimeout: 200,
        });
        const err = await rejectsWith(dialer.connect(), 'handshake_timeout');
        assert.equal(err.status, 504);
      } finally {
        await silent.close();
      }
    });
    it('protocol_error when the upstream speaks plain HTTP', async () => {
      const plain = await httpEchoServer();
      try {
        const dialer = createUpstreamDialer(upstream({ client: false }), { credentials: storeWith(), resolve: toLoopback(plain.port) });
        await rejectsWith(dialer.connect(), 'protocol_error');
      } finally {
        await plain.close();
      }
    });
    it('plain http upstreams get a plain socket', async () => {
      const plain = await httpEchoServer();
      try {
        const dialer = createUpstreamDialer(upstream({ scheme: 'http', port: 80 }), {
          credentials: storeWith(),
          resolve: toLoopback(plain.port),
        });
        const { echo } = await getVia(dialer, '/plain');
        assert.equal(echo.url, '/plain');
        assert.equal(echo.subject, null);
      } finally {
        await plain.close();
      }
    });
  });
});
