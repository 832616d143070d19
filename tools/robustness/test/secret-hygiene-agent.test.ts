// Secret hygiene of the agent: real loopback TLS servers make the dialer fail in every
// way it can (refused, untrusted CA, hostname mismatch, client certificate missing,
// required, rejected, invalid, fail-closed); the thrown errors, the proxy's error and
// response events, its answers, and util.inspect / JSON.stringify / String of the
// dialer, the proxy, the sockets and the credential store must hold no private key.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { CredentialStore, type Endpoint, type TranslationModel, type Upstream, type Verification } from '@kupstream/core';
import { checkCaBundle } from '@kupstream/core/building-blocks';
import { connectionInfo, createProxy, createUpstreamDialer, type UpstreamErrorEvent, type ResponseEvent } from '@kupstream/agent';
import { createCa, createSeedPki, issue, type CertificateAuthority, type Issued, type SeedPki } from '@kupstream/test-pki';
import { KeyScanner, textForms } from './support/leaks.js';
import { closedPort, startHttpsServer, type RunningServer } from './support/tls-servers.js';

const HOST = 'example-service.default';
const GOOD = { namespace: 'default', name: 'good-client' };
const MISMATCHED = { namespace: 'default', name: 'mismatched-client' };
const ABSENT = { namespace: 'default', name: 'absent-client' };

interface Scenario {
  /** The UpstreamError code the dial must fail with (undefined: it must succeed). */
  code?: string;
  server: 'mtls' | 'wrongCa' | 'rejecting' | 'refused';
  client?: { namespace: string; name: string };
  verify?: 'ca' | 'none';
  hostname?: string;
  unavailable?: boolean;
}

const SCENARIOS: Record<string, Scenario> = {
  success: { server: 'mtls', client: GOOD, verify: 'ca' },
  refused: { code: 'connection_refused', server: 'refused', client: GOOD, verify: 'ca' },
  'wrong CA': { code: 'certificate_untrusted', server: 'wrongCa', client: GOOD, verify: 'ca' },
  'hostname mismatch': { code: 'hostname_mismatch', server: 'mtls', client: GOOD, verify: 'ca', hostname: 'other.example.com' },
  'missing client certificate': { code: 'client_certificate_required', server: 'mtls', verify: 'ca' },
  'rejected client certificate': { code: 'client_certificate_rejected', server: 'rejecting', client: GOOD, verify: 'none' },
  'client certificate not in the store': { code: 'client_certificate_missing', server: 'mtls', client: ABSENT, verify: 'ca' },
  'key that does not match the certificate': { code: 'client_certificate_invalid', server: 'mtls', client: MISMATCHED, verify: 'ca' },
  'fail-closed upstream': { code: 'upstream_unavailable', server: 'mtls', client: GOOD, verify: 'ca', unavailable: true },
};

describe('secret hygiene: the agent (dialer, proxy, errors, events)', () => {
  let pki: SeedPki;
  let otherCa: CertificateAuthority;
  let otherClient: Issued;
  let scanner: KeyScanner;
  let store: CredentialStore;
  let caSha256: string;
  const servers: RunningServer[] = [];
  const ports = new Map<string, number>();
  const upstreams = new Map<string, Upstream>();

  before(async () => {
    pki = await createSeedPki({ serverNames: [HOST] });
    otherCa = await createCa({ subject: 'CN=OtherCA' });
    otherClient = await issue(otherCa, { subject: 'CN=OtherClient', extendedKeyUsage: ['clientAuth'] });
    const wrongServer = await issue(otherCa, { subject: `CN=${HOST}`, dnsNames: [HOST] });
    scanner = new KeyScanner([
      { label: 'client key', keyPem: pki.client.keyPem },
      { label: 'server key', keyPem: pki.server.keyPem },
      { label: 'CA key', keyPem: pki.ca.keyPem },
      { label: 'other client key', keyPem: otherClient.keyPem },
      { label: 'wrong server key', keyPem: wrongServer.keyPem },
    ]);
    store = new CredentialStore();
    store.set(GOOD, { certChainPem: pki.client.certPem, keyPem: pki.client.keyPem });
    store.set(MISMATCHED, { certChainPem: pki.client.certPem, keyPem: otherClient.keyPem });
    caSha256 = checkCaBundle(pki.ca.certPem, new Date()).sha256!;
    store.setCaBundle(caSha256, pki.ca.certPem);

    const mtls = await startHttpsServer({
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const wrongCa = await startHttpsServer({ cert: wrongServer.certPem, key: wrongServer.keyPem });
    const rejecting = await startHttpsServer({
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      ca: otherCa.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    });
    servers.push(mtls, wrongCa, rejecting);
    const byServer = { mtls: mtls.port, wrongCa: wrongCa.port, rejecting: rejecting.port, refused: await closedPort() };
    // Each scenario has its own (fake) upstream port; `resolve` sends it to its server.
    Object.entries(SCENARIOS).forEach(([name, s], i) => {
      const port = 10_001 + i;
      ports.set(String(port), byServer[s.server]);
      const verification: Verification =
        s.verify === 'ca'
          ? { mode: 'ca', caSha256, hostname: s.hostname ?? HOST, source: { kind: 'ConfigMap', namespace: 'default', name: 'ca' } }
          : { mode: 'none' };
      upstreams.set(name, {
        name: `case/${name}`,
        url: `https://${HOST}:${port}`,
        protocol: 'http1',
        tls: {
          serverName: HOST,
          alpn: ['http/1.1'],
          minVersion: 'TLSv1.2',
          verification,
          ...(s.client
            ? {
                clientCertificate: {
                  secret: s.client,
                  subject: pki.client.subject,
                  issuer: 'CN=ExampleCA',
                  notAfter: '2099-01-01T00:00:00.000Z',
                  sha256: pki.client.sha256,
                },
              }
            : {}),
        },
        ...(s.unavailable
          ? {
              unavailable: {
                code: 'InvalidClientCertificateRef',
                reason: 'Secret default/good-client: tls.key does not belong to the certificate',
              },
            }
          : {}),
      });
    });
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  const resolve = (_host: string, port: number) => ({ host: '127.0.0.1', port: ports.get(String(port))! });

  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(`dialer: ${name}${scenario.code ? ` fails with ${scenario.code}` : ' connects'} and shows no key`, async () => {
      const dialer = createUpstreamDialer(upstreams.get(name)!, { credentials: store, resolve, sessionCache: false });
      const texts: Record<string, string> = {};
      let socket: net.Socket | undefined;
      try {
        socket = await dialer.connect();
        assert.equal(scenario.code, undefined, `${name} connected`);
        const info = connectionInfo(socket);
        Object.assign(texts, prefixed('connectionInfo', textForms(info)), prefixed('socket', textForms(socket)));
      } catch (error) {
        const e = error as Error & { code?: string };
        assert.equal(e.code, scenario.code, `${name}: ${e.message}`);
        Object.assign(texts, { message: e.message, stack: e.stack ?? '' }, prefixed('error', textForms(e)));
      } finally {
        socket?.destroy();
      }
      // createConnection reports through its callback and the socket's 'error' event.
      const viaCallback = await new Promise<unknown>((done) => {
        const s = dialer.createConnection({}, (err) => {
          s.destroy();
          done(err);
        });
        s.on('error', () => undefined);
      });
      Object.assign(texts, prefixed('createConnection error', textForms(viaCallback)), prefixed('dialer', textForms(dialer)));
      assert.deepEqual(
        Object.entries(texts).flatMap(([where, text]) => scanner.scan(text, where)),
        [],
      );
    });
  }

  it('proxy: answers every failing upstream without a key in events, answers or any text form', async () => {
    const endpoints: Endpoint[] = [...upstreams.entries()].map(([name, u], i) => ({
      name: `case-${i}`,
      url: `https://case-${i}.example.com`,
      sources: [{ kind: 'Gateway', namespace: 'default', name: `gw-${i}` }],
      routes: [{ name: `route-${name}`, matches: [], backends: [{ upstream: u.name, weight: 1 }] }],
    }));
    const model: TranslationModel = { endpoints, upstreams: [...upstreams.values()], statuses: [], diagnostics: [] };
    const proxy = createProxy({ model, credentials: store, resolve });
    const events: (UpstreamErrorEvent | ResponseEvent)[] = [];
    proxy.on('upstreamError', (e) => events.push(e));
    proxy.on('response', (e) => events.push(e));
    const server = http.createServer();
    proxy.attach(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const answers: { status: number; headers: http.IncomingHttpHeaders; body: string }[] = [];
    try {
      for (let i = 0; i < endpoints.length; i++) answers.push(await get(port, `case-${i}.example.com`));
    } finally {
      await proxy.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    assert.equal(answers.filter((a) => a.status === 200).length, 1, JSON.stringify(answers.map((a) => a.status)));
    assert.ok(
      events.some((e) => 'error' in e),
      'no upstreamError event',
    );
    const texts = {
      ...prefixed('events', textForms(events)),
      ...Object.fromEntries(events.flatMap((e, i) => ('error' in e ? [[`event ${i} stack`, e.error.stack ?? '']] : []))),
      answers: JSON.stringify(answers),
      ...prefixed('proxy', textForms(proxy)),
      ...prefixed('stats', textForms(proxy.stats())),
      ...prefixed('store', textForms(store)),
    };
    assert.deepEqual(
      Object.entries(texts).flatMap(([where, text]) => scanner.scan(text, where)),
      [],
    );
  });
});

function prefixed(prefix: string, forms: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(forms).map(([k, v]) => [`${prefix} ${k}`, v]));
}

function get(port: number, host: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer for ${host} within 20 s`)));
    req.on('error', reject);
  });
}
