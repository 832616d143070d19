// TLSRoute and TCPRoute through the built binary: a Passthrough listener forwards the
// client's TLS untouched to a TLS server whose own certificate the client sees, and a
// TCPRoute whose Service has a BackendTLSPolicy originates TLS with the Gateway's client
// certificate to an nginx `stream` upstream that requires one.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createSeedPki, issue, tlsSecret, type SeedPki } from '@kupstream/test-pki';
import { stringify } from 'yaml';
import { startServe, type ServeProcess } from './helpers/cli-process.js';
import { startNginxStream, type NginxStream } from './helpers/nginx-stream.js';
import { clientCertSecretYaml } from './helpers/seed-manifests.js';
import { forwardedPort, startTcpUpstream, startTlsLineUpstream, type L4Upstream } from './helpers/tcp-upstream.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const docs = (...objects: object[]) => objects.map((o) => stringify(o)).join('---\n');

function gateway(listener: object, clientCertificate: boolean): object {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: 'default' },
    spec: {
      gatewayClassName: 'ngrok',
      ...(clientCertificate ? { tls: { backend: { clientCertificateRef: { name: 'client-cert-secret' } } } } : {}),
      listeners: [listener],
    },
  };
}

const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'backend', namespace: 'default' },
  spec: { ports: [{ name: 'btls', port: 443, targetPort: 8443 }] },
};

/** Everything a connection received until the peer closed it. */
function readAll(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (text += c));
    socket.on('error', () => resolve(text));
    socket.on('close', () => resolve(text));
  });
}

describe('serve: TLSRoute passthrough and TCPRoute with backend TLS', function () {
  this.timeout(90_000);
  let pki: SeedPki;
  let dir: TempDir;
  const cleanups: (() => Promise<unknown>)[] = [];
  before(async () => {
    pki = await createSeedPki({ serverNames: ['secure.example.com', 'backend.example.com', 'pass.example.com'] });
  });
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    dir.remove();
  });

  async function serve(args: string[]): Promise<ServeProcess> {
    const running = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', ...args]);
    cleanups.push(async () => assert.equal(await running.stop(), 0, running.stderr()));
    return running;
  }

  it('a Passthrough TLSRoute reaches the TLS server, whose own certificate the client sees', async () => {
    const backend: L4Upstream = await startTlsLineUpstream('backend', { cert: pki.server.certPem, key: pki.server.keyPem });
    cleanups.push(() => backend.close());
    dir.write(
      'gw.yaml',
      docs(
        gateway({ name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } }, true),
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'TLSRoute',
          metadata: { name: 'secure', namespace: 'default' },
          spec: {
            parentRefs: [{ name: 'gw' }],
            hostnames: ['secure.example.com'],
            rules: [{ backendRefs: [{ name: 'backend', port: 443 }] }],
          },
        },
        service,
      ) + `---\n${clientCertSecretYaml(pki)}`,
    );
    const running = await serve([
      '--resolve',
      `backend.default:443=127.0.0.1:${backend.port}`,
      '--l4',
      'tls://secure.example.com=127.0.0.1:0',
    ]);
    const port = await forwardedPort(running, 'tls://secure.example.com');
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'secure.example.com', ca: pki.ca.certPem });
    try {
      await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
      const seen = socket.getPeerX509Certificate();
      assert.ok(seen);
      assert.equal(
        seen.fingerprint256,
        new X509Certificate(pki.server.certPem).fingerprint256,
        'the backend presented its own certificate',
      );
      // The backend saw the client's own TLS: no client certificate (the Gateway's is not used in passthrough) and its SNI.
      const greeting = await new Promise<string>((resolve) => socket.once('data', (b: Buffer) => resolve(b.toString())));
      assert.equal(greeting, 'no client certificate, sni=secure.example.com\n');
    } finally {
      socket.destroy();
    }
  });

  for (const withCertificate of [true, false]) {
    it(`a TCPRoute with a BackendTLSPolicy ${withCertificate ? 'presents' : 'without a Gateway client certificate cannot present'} the client certificate to an nginx stream upstream that requires it`, async () => {
      const nginx: NginxStream = await startNginxStream({
        serverCertPem: pki.server.certPem,
        serverKeyPem: pki.server.keyPem,
        clientCaPem: pki.ca.certPem,
      });
      cleanups.push(() => nginx.stop());
      dir.write(
        'gw.yaml',
        docs(
          gateway({ name: 'tcp', port: 9000, protocol: 'TCP' }, withCertificate),
          {
            apiVersion: 'gateway.networking.k8s.io/v1',
            kind: 'TCPRoute',
            metadata: { name: 'db', namespace: 'default' },
            spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'backend', port: 443 }] }] },
          },
          service,
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'backend-ca', namespace: 'default' },
            data: { 'ca.crt': pki.ca.certPem },
          },
          {
            apiVersion: 'gateway.networking.k8s.io/v1',
            kind: 'BackendTLSPolicy',
            metadata: { name: 'verify', namespace: 'default' },
            spec: {
              targetRefs: [{ group: '', kind: 'Service', name: 'backend', sectionName: 'btls' }],
              validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }], hostname: 'backend.example.com' },
            },
          },
        ) + `---\n${clientCertSecretYaml(pki)}`,
      );
      const running = await serve(['--resolve', `backend.default:443=127.0.0.1:${nginx.port}`, '--l4', 'tcp://*:9000=127.0.0.1:0']);
      const port = await forwardedPort(running, 'tcp://*:9000');
      const answer = await readAll(tcpConnect({ host: '127.0.0.1', port }));
      if (withCertificate) assert.equal(answer, 'subject=CN=ExampleClient verify=SUCCESS sni=backend.example.com\n');
      else assert.equal(answer, '', 'nginx refuses the handshake without a client certificate: nothing comes back');
    });
  }

  it('--gateway-port serves TLSRoutes by SNI beside an HTTPS listener: Terminate with the listener certificate, Passthrough untouched', async () => {
    const terminated: L4Upstream = await startTcpUpstream('plain-backend');
    const passed: L4Upstream = await startTlsLineUpstream('tls-backend', { cert: pki.server.certPem, key: pki.server.keyPem });
    cleanups.push(
      () => terminated.close(),
      () => passed.close(),
    );
    const frontend = await issue(pki.ca, { subject: 'CN=secure.example.com', dnsNames: ['secure.example.com'] });
    const web = await issue(pki.ca, { subject: 'CN=web.example.com', dnsNames: ['web.example.com'] });
    const tlsRoute = (name: string, hostname: string, section: string, backend: string) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'TLSRoute',
      metadata: { name, namespace: 'default' },
      spec: {
        parentRefs: [{ name: 'gw', sectionName: section }],
        hostnames: [hostname],
        rules: [{ backendRefs: [{ name: backend, port: 443 }] }],
      },
    });
    const plainService = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'plain', namespace: 'default' },
      spec: { ports: [{ port: 443 }] },
    };
    const webGateway = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        gatewayClassName: 'ngrok',
        listeners: [
          { name: 'https', port: 8443, protocol: 'HTTPS', hostname: 'web.example.com', tls: { certificateRefs: [{ name: 'web-cert' }] } },
        ],
      },
    };
    dir.write(
      'gw.yaml',
      docs(
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'Gateway',
          metadata: { name: 'gw', namespace: 'default' },
          spec: {
            gatewayClassName: 'ngrok',
            listeners: [
              {
                name: 'term',
                port: 8443,
                protocol: 'TLS',
                hostname: 'secure.example.com',
                tls: { mode: 'Terminate', certificateRefs: [{ name: 'frontend-cert' }] },
              },
              { name: 'pass', port: 8443, protocol: 'TLS', hostname: 'pass.example.com', tls: { mode: 'Passthrough' } },
            ],
          },
        },
        tlsRoute('terminated', 'secure.example.com', 'term', 'plain'),
        tlsRoute('passed', 'pass.example.com', 'pass', 'backend'),
        plainService,
        service,
        webGateway,
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: 'site', namespace: 'default' },
          spec: { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'plain', port: 443 }] }] },
        },
        tlsSecret('frontend-cert', frontend, 'default'),
        tlsSecret('web-cert', web, 'default'),
      ),
    );
    const running = await serve([
      '--resolve',
      `plain.default:443=127.0.0.1:${terminated.port}`,
      '--resolve',
      `backend.default:443=127.0.0.1:${passed.port}`,
      '--gateway-port',
      '8443=127.0.0.1:0',
    ]);
    const port = Number(
      await waitFor('the gateway port', () => /gateway listener port 8443 on 127\.0\.0\.1:(\d+)/.exec(running.stdout())?.[1]),
    );
    assert.match(running.stdout(), /forwarding tls:\/\/secure\.example\.com:8443 on gateway listener port 8443/);
    const handshake = async (servername: string) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca: pki.ca.certPem });
      cleanups.push(async () => socket.destroy());
      await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
      return socket;
    };
    const firstLine = (socket: TLSSocket) => new Promise<string>((resolve) => socket.once('data', (b: Buffer) => resolve(b.toString())));

    // Terminate: the client sees the listener's certificate; the plain backend gets the bytes decrypted.
    const term = await handshake('secure.example.com');
    assert.equal(term.getPeerX509Certificate()?.fingerprint256, new X509Certificate(frontend.certPem).fingerprint256);
    assert.equal(await firstLine(term), 'hello plain-backend\n');
    term.write('ping\n');
    assert.equal(await firstLine(term), 'plain-backend:ping\n');

    // Passthrough: the backend's own certificate and the client's SNI.
    const pass = await handshake('pass.example.com');
    assert.equal(pass.getPeerX509Certificate()?.fingerprint256, new X509Certificate(pki.server.certPem).fingerprint256);
    assert.equal(await firstLine(pass), 'no client certificate, sni=pass.example.com\n');

    // Another name on the same port: the HTTPS listener of the other Gateway, with its own certificate, speaking HTTP.
    const site = await handshake('web.example.com');
    assert.equal(site.getPeerX509Certificate()?.fingerprint256, new X509Certificate(web.certPem).fingerprint256);
    site.write('GET / HTTP/1.1\r\nHost: web.example.com\r\nConnection: close\r\n\r\n');
    assert.match(await firstLine(site), /^HTTP\/1\.1 \d{3} /);
  });
});
