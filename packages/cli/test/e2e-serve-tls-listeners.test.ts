// Through the built binary and real TLS clients (Node's, curl): serve terminates TLS on a
// --gateway-port listener from the Gateway's HTTPS listeners. SNI picks among three
// certificates, a wildcard and a default; HTTP/2 and HTTP/1.1 share the port; a Host of
// another listener gets 421; a listener Secret rotated under load fails no request; frontend
// client-certificate validation in both modes, with two CAs of the same subject name; a
// listener whose Secret is missing fails its handshakes only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { promisify } from 'node:util';
import { createCa, issue, tlsSecret, type CertificateAuthority, type Issued } from '@kupstream/test-pki';
import { stringify } from 'yaml';
import { startServe, type ServeProcess } from './helpers/cli-process.js';
import { echoOf, h2Get, startEcho, type Answer, type EchoUpstream } from './helpers/listener-clients.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const run = promisify(execFile);
const NS = 'default';

interface Listener {
  name: string;
  hostname?: string;
  secret: string;
  port?: number;
  /** The route's hostname (default: the listener's). */
  routeHost?: string;
  /** The listener's `tls.options`. */
  options?: Record<string, string>;
}

function manifests(
  listeners: Listener[],
  secrets: Record<string, Issued>,
  extra: { frontend?: unknown; objects?: unknown[] } = {},
): string {
  const gateway = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: NS },
    spec: {
      gatewayClassName: 'ngrok',
      ...(extra.frontend ? { tls: { frontend: extra.frontend } } : {}),
      listeners: listeners.map((l) => ({
        name: l.name,
        port: l.port ?? 443,
        protocol: 'HTTPS',
        ...(l.hostname ? { hostname: l.hostname } : {}),
        tls: { certificateRefs: [{ name: l.secret }], ...(l.options ? { options: l.options } : {}) },
      })),
    },
  };
  const routes = listeners.map((l) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: `r-${l.name}`, namespace: NS },
    spec: {
      parentRefs: [{ name: 'gw', sectionName: l.name }],
      hostnames: [l.routeHost ?? l.hostname],
      rules: [{ backendRefs: [{ name: 'svc', port: 80 }] }],
    },
  }));
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'svc', namespace: NS },
    spec: { ports: [{ name: 'http', port: 80 }] },
  };
  const secretObjects = Object.entries(secrets).map(([name, pair]) => tlsSecret(name, pair, NS));
  return [gateway, ...routes, service, ...secretObjects, ...(extra.objects ?? [])].map((o) => stringify(o)).join('---\n');
}

function writeAtomically(dir: TempDir, text: string): void {
  const file = join(dir.path, 'm.yaml');
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

const portOf = (serve: ServeProcess, port: number) =>
  Number(new RegExp(`gateway listener port ${port} on 127\\.0\\.0\\.1:(\\d+)`).exec(serve.stdout())?.[1]);

/** The certificate the server presents for a server name (TLS only, no HTTP; the chain is checked, the name is compared by the caller). */
function serverCertificate(port: number, servername: string, ca: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca, checkServerIdentity: () => undefined }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.on('error', reject);
  });
}

interface TlsGet {
  servername: string;
  ca: string;
  host?: string;
  client?: Issued;
  headers?: Record<string, string>;
  agent?: https.Agent;
  /** Accept a certificate that does not name `servername` (the default listener's). */
  anyName?: boolean;
}

/** HTTP/1.1 over TLS (ALPN http/1.1). */
function h1sGet(port: number, o: TlsGet): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        servername: o.servername,
        ca: o.ca,
        headers: { ...o.headers, host: o.host ?? o.servername },
        ...(o.client ? { cert: o.client.certPem, key: o.client.keyPem } : {}),
        agent: o.agent ?? false,
        ALPNProtocols: ['http/1.1'],
        ...(o.anyName ? { checkServerIdentity: () => undefined } : {}),
      } as https.RequestOptions,
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, alpn: 'http/1.1' }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });
}

describe('serve: TLS listeners (--gateway-port 443=…)', function () {
  this.timeout(120_000);
  let ca: CertificateAuthority;
  let certs: Record<'a' | 'b' | 'c' | 'wild' | 'fallback', Issued>;
  let dir: TempDir;
  let echo: EchoUpstream;
  let serve: ServeProcess | undefined;

  before(async () => {
    ca = await createCa({ subject: 'CN=Listener CA' });
    const server = (cn: string, dnsNames: string[]) => issue(ca, { subject: `CN=${cn}`, dnsNames, extendedKeyUsage: ['serverAuth'] });
    certs = {
      a: await server('a', ['a.example.com']),
      b: await server('b', ['b.example.com']),
      c: await server('c', ['c.example.com']),
      wild: await server('wild', ['*.wild.example.com']),
      fallback: await server('fallback', ['default.example.com']),
    };
  });
  beforeEach(async () => {
    dir = makeTempDir();
    echo = await startEcho('svc');
  });
  afterEach(async () => {
    if (serve) assert.equal(await serve.stop(), 0, serve.stderr());
    serve = undefined;
    await echo.close();
    dir.remove();
  });

  const listeners: Listener[] = [
    { name: 'a', hostname: 'a.example.com', secret: 'cert-a' },
    { name: 'b', hostname: 'b.example.com', secret: 'cert-b' },
    { name: 'c', hostname: 'c.example.com', secret: 'cert-c' },
    { name: 'wild', hostname: '*.wild.example.com', secret: 'cert-wild' },
    { name: 'fallback', secret: 'cert-fallback', routeHost: 'default.example.com' },
  ];
  const secretsOf = (c: typeof certs) => ({
    'cert-a': c.a,
    'cert-b': c.b,
    'cert-c': c.c,
    'cert-wild': c.wild,
    'cert-fallback': c.fallback,
  });

  async function start(text: string, ports = [443]): Promise<ServeProcess> {
    writeAtomically(dir, text);
    serve = await startServe([
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--resolve',
      `svc.${NS}:80=127.0.0.1:${echo.port}`,
      ...ports.flatMap((p) => ['--gateway-port', `${p}=127.0.0.1:0`]),
    ]);
    return serve;
  }

  it('SNI picks among three certificates, a wildcard and the default; HTTP/2 and HTTP/1.1 on one port; 421 across listeners', async () => {
    const s = await start(manifests(listeners, secretsOf(certs)));
    const port = portOf(s, 443);
    const expect: [string, Issued][] = [
      ['a.example.com', certs.a],
      ['b.example.com', certs.b],
      ['c.example.com', certs.c],
      ['x.wild.example.com', certs.wild],
      // The listener `*.wild.example.com` takes any depth; its certificate covers one label (clients check that).
      ['deeper.x.wild.example.com', certs.wild],
      ['unknown.example.com', certs.fallback],
    ];
    for (const [name, want] of expect) {
      const got = await serverCertificate(port, name, ca.certPem);
      assert.equal(got?.fingerprint256, new X509Certificate(want.certPem).fingerprint256, `certificate for ${name}`);
    }
    for (const host of ['a.example.com', 'b.example.com', 'c.example.com', 'x.wild.example.com', 'default.example.com']) {
      const servername = host;
      const h1 = await h1sGet(port, { servername, ca: ca.certPem });
      assert.equal(h1.status, 200, `${host} over HTTP/1.1: ${h1.body}`);
      assert.equal(echoOf(h1).host, host);
      const h2 = await h2Get(port, host, '/', { tls: { servername, ca: ca.certPem } });
      assert.equal(h2.alpn, 'h2');
      assert.equal(h2.status, 200, `${host} over HTTP/2`);
      assert.equal(echoOf(h2).host, host);
      assert.equal(echoOf(h2).headers['x-forwarded-proto'], 'https');
    }
    // A request for another listener's host on this connection: 421, over both protocols.
    const misdirected = await h1sGet(port, { servername: 'a.example.com', host: 'b.example.com', ca: ca.certPem });
    assert.equal(misdirected.status, 421);
    assert.equal(misdirected.headers['x-kupstream-error'], 'misdirected_request');
    const misdirected2 = await h2Get(port, 'x.wild.example.com', '/', { tls: { servername: 'c.example.com', ca: ca.certPem } });
    assert.equal(misdirected2.status, 421);
    // The default listener's connection: a host of no listener is routed there (and found or not).
    assert.equal(
      (await h1sGet(port, { servername: 'unknown.example.com', host: 'default.example.com', ca: ca.certPem, anyName: true })).status,
      200,
    );
    assert.equal(
      (await h1sGet(port, { servername: 'unknown.example.com', host: 'nobody.example.com', ca: ca.certPem, anyName: true })).status,
      404,
    );

    // curl: HTTP/2 by ALPN, and HTTP/1.1 when asked.
    const curl = async (name: string, ...flags: string[]) =>
      (
        await run('/usr/bin/curl', [
          '-sS',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code} %{http_version}',
          '--resolve',
          `${name}:${port}:127.0.0.1`,
          '--cacert',
          join(dir.path, 'ca.pem'),
          ...flags,
          `https://${name}:${port}/`,
        ])
      ).stdout;
    writeFileSync(join(dir.path, 'ca.pem'), ca.certPem);
    assert.equal(await curl('b.example.com'), '200 2');
    assert.equal(await curl('c.example.com', '--http1.1'), '200 1.1');
    assert.equal(await curl('x.wild.example.com', '--http2'), '200 2');
  });

  it('TLS 1.2 is the minimum, and sessions resume with the ticket of their own certificate', async () => {
    const s = await start(manifests(listeners, secretsOf(certs)));
    const port = portOf(s, 443);
    await assert.rejects(
      new Promise((resolve, reject) => {
        const socket = tlsConnect(
          { host: '127.0.0.1', port, servername: 'a.example.com', ca: ca.certPem, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' },
          () => resolve(socket.end()),
        );
        socket.on('error', reject);
      }),
    );
    const connect = (session?: Buffer) =>
      new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve, reject) => {
        const socket = tlsConnect({
          host: '127.0.0.1',
          port,
          servername: 'a.example.com',
          ca: ca.certPem,
          maxVersion: 'TLSv1.2',
          ...(session ? { session } : {}),
        });
        let ticket: Buffer | undefined;
        socket.on('session', (s: Buffer) => (ticket = s));
        socket.once('secureConnect', () => {
          const reused = socket.isSessionReused();
          socket.end();
          socket.once('close', () => resolve({ reused, session: ticket ?? socket.getSession() }));
        });
        socket.on('error', reject);
      });
    const first = await connect();
    assert.equal(first.reused, false);
    assert.ok(first.session);
    assert.equal((await connect(first.session)).reused, true);
  });

  it('a listener Secret rotated under load: zero failed requests, new connections get the new certificate', async () => {
    const s = await start(manifests(listeners, secretsOf(certs)));
    const port = portOf(s, 443);
    const rotated = await issue(ca, { subject: 'CN=a-rotated', dnsNames: ['a.example.com'], extendedKeyUsage: ['serverAuth'] });
    const keepAlive = new https.Agent({ keepAlive: true, maxSockets: 4 });
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const worker = async (fresh: boolean) => {
      while (!stop) {
        try {
          const answer = await h1sGet(port, { servername: 'a.example.com', ca: ca.certPem, ...(fresh ? {} : { agent: keepAlive }) });
          if (answer.status === 200) ok++;
          else failures.push(`status ${answer.status}`);
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        }
      }
    };
    const load = [worker(true), worker(true), worker(false), worker(false)];
    await waitFor('some requests', () => ok > 20);
    writeAtomically(dir, manifests(listeners, { ...secretsOf(certs), 'cert-a': rotated }));
    const want = new X509Certificate(rotated.certPem).fingerprint256;
    await waitFor(
      'the rotated certificate',
      async () => (await serverCertificate(port, 'a.example.com', ca.certPem)).fingerprint256 === want,
      20_000,
    );
    const before = ok;
    await waitFor('requests after the rotation', () => ok > before + 20);
    stop = true;
    await Promise.all(load);
    keepAlive.destroy();
    assert.deepEqual(failures, []);
  });

  it('a listener whose Secret is missing fails its own handshakes only', async () => {
    const s = await start(
      manifests([...listeners.slice(0, 2), { name: 'broken', hostname: 'broken.example.com', secret: 'no-such-secret' }], secretsOf(certs)),
    );
    const port = portOf(s, 443);
    await assert.rejects(h1sGet(port, { servername: 'broken.example.com', ca: ca.certPem }));
    assert.equal((await h1sGet(port, { servername: 'a.example.com', ca: ca.certPem })).status, 200);
    assert.equal((await h1sGet(port, { servername: 'b.example.com', ca: ca.certPem })).status, 200);
    assert.match(s.stderr(), /TLS handshake refused: .*broken\.example\.com/);
  });

  describe('frontend client-certificate validation (two client CAs with the same subject name)', () => {
    let clientCa: CertificateAuthority;
    let impostorCa: CertificateAuthority;
    let good: Issued;
    let impostor: Issued;
    before(async () => {
      clientCa = await createCa({ subject: 'CN=Clients' });
      impostorCa = await createCa({ subject: 'CN=Clients' });
      good = await issue(clientCa, { subject: 'CN=alice,O=Example', extendedKeyUsage: ['clientAuth'] });
      impostor = await issue(impostorCa, { subject: 'CN=alice,O=Example', extendedKeyUsage: ['clientAuth'] });
    });

    const frontendManifests = () =>
      manifests(
        [
          { name: 'strict', hostname: 'a.example.com', secret: 'cert-a' },
          {
            name: 'lenient',
            hostname: 'b.example.com',
            secret: 'cert-b',
            port: 8443,
            options: { 'kupstream.dev/forward-client-certificate': 'true' },
          },
        ],
        secretsOf(certs),
        {
          frontend: {
            default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }] } },
            perPort: [
              {
                port: 8443,
                tls: {
                  validation: { mode: 'AllowInsecureFallback', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }] },
                },
              },
            ],
          },
          objects: [
            { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'client-ca', namespace: NS }, data: { 'ca.crt': clientCa.certPem } },
          ],
        },
      );

    it('AllowValidOnly: a valid certificate passes with its identity forwarded; none, or one of the impostor CA, is refused at TLS', async () => {
      const s = await start(frontendManifests(), [443, 8443]);
      const port = portOf(s, 443);
      const answer = await h1sGet(port, {
        servername: 'a.example.com',
        ca: ca.certPem,
        client: good,
        headers: { 'x-kupstream-client-subject': 'CN=mallory' },
      });
      assert.equal(answer.status, 200);
      const seen = echoOf(answer).headers;
      assert.equal(seen['x-kupstream-client-verify'], 'SUCCESS');
      assert.equal(seen['x-kupstream-client-subject'], 'CN=alice,O=Example');
      assert.equal(seen['x-kupstream-client-sha256'], new X509Certificate(good.certPem).fingerprint256);
      assert.equal(seen['x-kupstream-client-cert'], undefined);
      const h2 = await h2Get(port, 'a.example.com', '/', {
        tls: { servername: 'a.example.com', ca: ca.certPem, cert: good.certPem, key: good.keyPem },
      });
      assert.equal(h2.status, 200);
      assert.equal(echoOf(h2).headers['x-kupstream-client-verify'], 'SUCCESS');
      await assert.rejects(h1sGet(port, { servername: 'a.example.com', ca: ca.certPem }));
      await assert.rejects(h1sGet(port, { servername: 'a.example.com', ca: ca.certPem, client: impostor }));
      // The listener still serves valid clients after refusing the others.
      assert.equal((await h1sGet(port, { servername: 'a.example.com', ca: ca.certPem, client: good })).status, 200);
    });

    it('AllowInsecureFallback: every client passes; only a valid certificate is forwarded as verified (and, where the listener says so, itself)', async () => {
      const s = await start(frontendManifests(), [443, 8443]);
      const port = portOf(s, 8443);
      const outcomes: Record<string, string | string[] | undefined>[] = [];
      for (const client of [good, impostor, undefined, impostor, good]) {
        const answer = await h1sGet(port, {
          servername: 'b.example.com',
          ca: ca.certPem,
          ...(client ? { client } : {}),
          headers: { 'x-kupstream-client-verify': 'SUCCESS' },
        });
        assert.equal(answer.status, 200);
        outcomes.push(echoOf(answer).headers);
      }
      assert.deepEqual(
        outcomes.map((h) => h['x-kupstream-client-verify']),
        ['SUCCESS', 'FAILED:UNTRUSTED_ISSUER', 'NONE', 'FAILED:UNTRUSTED_ISSUER', 'SUCCESS'],
      );
      assert.equal(outcomes[1]!['x-kupstream-client-subject'], undefined, 'an unverified subject is never forwarded');
      assert.equal(outcomes[0]!['x-kupstream-client-subject'], 'CN=alice,O=Example');
      // kupstream.dev/forward-client-certificate: the verified leaf, URL-encoded PEM; never an unverified one.
      const forwarded = outcomes[0]!['x-kupstream-client-cert'];
      assert.equal(typeof forwarded, 'string');
      assert.equal(
        new X509Certificate(decodeURIComponent(forwarded as string)).fingerprint256,
        new X509Certificate(good.certPem).fingerprint256,
      );
      assert.deepEqual(
        outcomes.map((h) => h['x-kupstream-client-cert'] !== undefined),
        [true, false, false, false, true],
      );
    });
  });
});
