// TLSRoute and TCPRoute through the built binary: a Passthrough listener forwards the
// client's TLS untouched to a TLS server whose own certificate the client sees, and a
// TCPRoute whose Service has a BackendTLSPolicy originates TLS with the Gateway's client
// certificate to an nginx `stream` upstream that requires one.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import { stringify } from 'yaml';
import { startServe, type ServeProcess } from './helpers/cli-process.js';
import { startNginxStream, type NginxStream } from './helpers/nginx-stream.js';
import { clientCertSecretYaml } from './helpers/seed-manifests.js';
import { forwardedPort, startTlsLineUpstream, type L4Upstream } from './helpers/tcp-upstream.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

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
    pki = await createSeedPki({ serverNames: ['secure.example.com', 'backend.example.com'] });
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
});
