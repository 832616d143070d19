// Issue 5, through the built binary: tcp:// and tls:// endpoints forwarded at L4 by
// `kupstream serve`, each on a listener of its own, following reloads.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createSeedPki, tlsSecret, type SeedPki } from '@kupstream/test-pki';
import { stringify } from 'yaml';
import { startServe, type ServeProcess } from './helpers/cli-process.js';
import { httpGet } from './helpers/http-get.js';
import { clientCertSecretYaml, keyMaterialNeedles } from './helpers/seed-manifests.js';
import {
  connectError,
  connectLines,
  forwardedPort,
  lineClient,
  startTcpUpstream,
  startTlsLineUpstream,
  type L4Upstream,
} from './helpers/tcp-upstream.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

interface EndpointSpec {
  name: string;
  url: string;
  upstream: string;
  clientCertificate?: boolean;
  serverCertificate?: string;
}

function agentEndpointYaml({ name, url, upstream, clientCertificate, serverCertificate }: EndpointSpec): string {
  return stringify({
    apiVersion: 'ngrok.k8s.ngrok.com/v1alpha1',
    kind: 'AgentEndpoint',
    metadata: { name },
    spec: {
      url,
      upstream: { url: upstream },
      ...(clientCertificate ? { clientCertificateRefs: [{ name: 'client-cert-secret' }] } : {}),
      ...(serverCertificate ? { tlsTermination: { serverCertificateRef: { name: serverCertificate } } } : {}),
    },
  });
}

/** Whether a TLS client without a certificate fails (handshake alert or closed before any data). */
function connectTlsError(port: number, servername: string, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca, checkServerIdentity: () => undefined });
    socket.once('data', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
    socket.once('close', () => resolve(true));
  });
}

/** A port nothing listens on right now (bound once by the OS, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('serve: tcp:// and tls:// endpoints forwarded at L4', function () {
  this.timeout(90_000);
  let pki: SeedPki;
  let dir: TempDir;
  const upstreams: L4Upstream[] = [];
  const serves: ServeProcess[] = [];
  before(async () => {
    pki = await createSeedPki();
  });
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    for (const serve of serves.splice(0)) assert.equal(await serve.stop(), 0, serve.stderr());
    for (const upstream of upstreams.splice(0)) await upstream.close();
    dir.remove();
  });

  async function serve(args: string[]): Promise<ServeProcess> {
    const running = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', ...args]);
    serves.push(running);
    return running;
  }
  async function tcpUpstream(name: string): Promise<L4Upstream> {
    const upstream = await startTcpUpstream(name);
    upstreams.push(upstream);
    return upstream;
  }

  it('forwards bytes both ways between a tcp:// endpoint and a tcp:// upstream (--l4 mapping, port 0)', async () => {
    const echo = await tcpUpstream('echo');
    dir.write('db.yaml', agentEndpointYaml({ name: 'db', url: 'tcp://1.tcp.example.io:12345', upstream: 'tcp://db.default:5432' }));
    const running = await serve([
      '--resolve',
      `db.default:5432=127.0.0.1:${echo.port}`,
      '--l4',
      'TCP://1.tcp.Example.io:12345=127.0.0.1:0',
    ]);
    const port = await forwardedPort(running, 'tcp://1.tcp.example.io:12345');
    assert.notEqual(port, 12345);
    assert.match(running.stdout(), /serving 0 endpoints \(L4, on listeners of their own: tcp:\/\/1\.tcp\.example\.io:12345\) on http:/);
    const client = await connectLines(port);
    try {
      assert.equal(await client.line(), 'hello echo');
      client.send('ping\n');
      assert.equal(await client.line(), 'echo:ping');
      client.send('x'.repeat(100_000) + '\n');
      assert.equal(await client.line(), `echo:${'x'.repeat(100_000)}`);
      assert.equal(echo.greetings.length, 1);
      // Stopping serve with the connection open: exit 0, and the forwarded connection is ended.
      assert.equal(await running.stop(), 0);
      await waitFor('the forwarded connection to end', () => client.socket.destroyed || client.socket.readableEnded);
    } finally {
      client.close();
    }
  });

  it("listens on the --listen host at the endpoint URL's port without --l4", async () => {
    const echo = await tcpUpstream('echo');
    const port = await freePort();
    dir.write('db.yaml', agentEndpointYaml({ name: 'db', url: `tcp://db.tcp.example.io:${port}`, upstream: 'tcp://db.default:5432' }));
    const running = await serve(['--resolve', `db.default:5432=127.0.0.1:${echo.port}`]);
    assert.equal(await forwardedPort(running, `tcp://db.tcp.example.io:${port}`), port);
    const client = await connectLines(port);
    try {
      assert.equal(await client.line(), 'hello echo');
    } finally {
      client.close();
    }
  });

  it("dials a tls:// upstream with the AgentEndpoint's client certificate: the upstream sees CN=ExampleClient", async () => {
    const upstream = await startTlsLineUpstream('mtls', { cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
    upstreams.push(upstream);
    dir.write('secret.yaml', clientCertSecretYaml(pki));
    dir.write(
      'db.yaml',
      agentEndpointYaml({ name: 'db', url: 'tcp://1.tcp.example.io:12345', upstream: 'tls://db.default:5433', clientCertificate: true }),
    );
    const running = await serve([
      '--resolve',
      `db.default:5433=127.0.0.1:${upstream.port}`,
      '--l4',
      'tcp://1.tcp.example.io:12345=127.0.0.1:0',
    ]);
    const client = await connectLines(await forwardedPort(running, 'tcp://1.tcp.example.io:12345'));
    try {
      // Plain bytes in, the agent's mutual TLS out.
      assert.equal(await client.line(), 'CN=ExampleClient');
      client.send('select 1\n');
      assert.equal(await client.line(), 'mtls:select 1');
    } finally {
      client.close();
    }
    for (const needle of keyMaterialNeedles(pki))
      assert.ok(!running.stdout().includes(needle) && !running.stderr().includes(needle), 'key material in the output');
  });

  it("passes a tls:// endpoint's client TLS through to a tcp:// upstream untouched", async () => {
    const upstream = await startTlsLineUpstream('passthrough', { cert: pki.server.certPem, key: pki.server.keyPem });
    upstreams.push(upstream);
    dir.write('app.yaml', agentEndpointYaml({ name: 'app', url: 'tls://app.example.io', upstream: 'tcp://app.default:8443' }));
    const running = await serve([
      '--resolve',
      `app.default:8443=127.0.0.1:${upstream.port}`,
      '--l4',
      'tls://app.example.io:443=127.0.0.1:0',
    ]);
    const port = await forwardedPort(running, 'tls://app.example.io');
    // The client's handshake reaches the upstream: its certificate and the client's SNI come through.
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: 'app.example.io',
      ca: pki.ca.certPem,
      checkServerIdentity: () => undefined,
    });
    const client = lineClient(socket);
    try {
      await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
      assert.equal(socket.getPeerCertificate().subject.CN, 'terminate-tls-example.ngrok.app');
      assert.equal(await client.line(), 'no client certificate, sni=app.example.io');
      client.send('hi\n');
      assert.equal(await client.line(), 'passthrough:hi');
    } finally {
      client.close();
    }
    // A reload that makes the model terminate TLS for it: the same listener now terminates
    // with the endpoint's certificate and forwards the plain bytes.
    const echo = await tcpUpstream('echo');
    dir.write('server-secret.yaml', stringify(tlsSecret('server-cert', pki.server)));
    dir.write(
      'app.yaml',
      agentEndpointYaml({
        name: 'app',
        url: 'tls://app.example.io',
        upstream: `tcp://127.0.0.1:${echo.port}`,
        serverCertificate: 'server-cert',
      }),
    );
    await waitFor('termination', async () => {
      const secure = tlsConnect({
        host: '127.0.0.1',
        port,
        servername: 'app.example.io',
        ca: pki.ca.certPem,
        checkServerIdentity: () => undefined,
      });
      const lines = lineClient(secure);
      try {
        return (await lines.line()) === 'hello echo' ? true : undefined;
      } finally {
        lines.close();
      }
    });
  });

  it('tls:// endpoints share a port, chosen by SNI: one terminated with its certificate (and client certificates), one passed through', async () => {
    const echo = await tcpUpstream('echo');
    const passthrough = await startTlsLineUpstream('passthrough', { cert: pki.server.certPem, key: pki.server.keyPem });
    upstreams.push(passthrough);
    const shared = await freePort();
    dir.write('server-secret.yaml', stringify(tlsSecret('server-cert', pki.server)));
    dir.write(
      'ca-secret.yaml',
      stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'client-ca' },
        data: { 'ca.crt': Buffer.from(pki.ca.certPem).toString('base64') },
      }),
    );
    dir.write(
      'app.yaml',
      stringify({
        apiVersion: 'ngrok.k8s.ngrok.com/v1alpha1',
        kind: 'AgentEndpoint',
        metadata: { name: 'app' },
        spec: {
          url: 'tls://app.example.io',
          upstream: { url: 'tcp://app.default:5432' },
          tlsTermination: {
            serverCertificateRef: { name: 'server-cert' },
            mutualTLS: { clientCAsRef: { name: 'client-ca' }, mode: 'require' },
          },
        },
      }),
    );
    dir.write('pass.yaml', agentEndpointYaml({ name: 'pass', url: 'tls://pass.example.io', upstream: 'tcp://pass.default:8443' }));
    const running = await serve([
      '--resolve',
      `app.default:5432=127.0.0.1:${echo.port}`,
      '--resolve',
      `pass.default:8443=127.0.0.1:${passthrough.port}`,
      '--l4',
      `tls://app.example.io=127.0.0.1:${shared}`,
      '--l4',
      `tls://pass.example.io=127.0.0.1:${shared}`,
    ]);
    await forwardedPort(running, 'tls://pass.example.io');
    await forwardedPort(running, 'tls://app.example.io');
    // Terminated: serve's handshake (with the client certificate it requires), plain bytes upstream.
    const terminated = tlsConnect({
      host: '127.0.0.1',
      port: shared,
      servername: 'app.example.io',
      ca: pki.ca.certPem,
      cert: pki.client.certPem,
      key: pki.client.keyPem,
      checkServerIdentity: () => undefined,
    });
    const t = lineClient(terminated);
    try {
      assert.equal(await t.line(), 'hello echo');
      t.send('hi\n');
      assert.equal(await t.line(), 'echo:hi');
    } finally {
      t.close();
    }
    // Without the client certificate the handshake is refused; nothing reaches the upstream.
    const before = echo.greetings.length;
    assert.ok(await connectTlsError(shared, 'app.example.io', pki.ca.certPem));
    assert.equal(echo.greetings.length, before);
    // Passed through: the upstream's own handshake sees the client's SNI.
    const passed = tlsConnect({
      host: '127.0.0.1',
      port: shared,
      servername: 'pass.example.io',
      ca: pki.ca.certPem,
      checkServerIdentity: () => undefined,
    });
    const p = lineClient(passed);
    try {
      assert.equal(await p.line(), 'no client certificate, sni=pass.example.io');
    } finally {
      p.close();
    }
  });

  it('opens a listener for an endpoint added on reload and closes the one of a removed endpoint (open connections continue)', async () => {
    const echo = await tcpUpstream('echo');
    const other = await tcpUpstream('other');
    dir.write('a.yaml', agentEndpointYaml({ name: 'a', url: 'tcp://a.tcp.example.io:10001', upstream: 'tcp://a.default:5432' }));
    const running = await serve([
      '--resolve',
      `a.default:5432=127.0.0.1:${echo.port}`,
      '--resolve',
      `b.default:5432=127.0.0.1:${other.port}`,
      '--l4',
      'tcp://a.tcp.example.io:10001=127.0.0.1:0',
      '--l4',
      'tcp://b.tcp.example.io:10002=127.0.0.1:0',
    ]);
    const portA = await forwardedPort(running, 'tcp://a.tcp.example.io:10001');
    assert.match(running.stderr(), /--l4 tcp:\/\/b\.tcp\.example\.io:10002 names no tcp:\/\/ or tls:\/\/ endpoint of the model \(yet\)/);
    const held = await connectLines(portA);
    try {
      assert.equal(await held.line(), 'hello echo');

      dir.write('b.yaml', agentEndpointYaml({ name: 'b', url: 'tcp://b.tcp.example.io:10002', upstream: 'tcp://b.default:5432' }));
      const portB = await forwardedPort(running, 'tcp://b.tcp.example.io:10002');
      const added = await connectLines(portB);
      try {
        assert.equal(await added.line(), 'hello other');
      } finally {
        added.close();
      }

      rmSync(join(dir.path, 'a.yaml'));
      await waitFor('the listener of a to close', () =>
        running.stderr().includes('stopped forwarding tcp://a.tcp.example.io:10001: the endpoint left the model'),
      );
      assert.equal(await connectError(portA), 'ECONNREFUSED');
      // The connection made before the reload still forwards both ways.
      held.send('still there\n');
      assert.equal(await held.line(), 'echo:still there');
    } finally {
      held.close();
    }
  });

  it('keeps serving when an L4 port is in use: a warning, the other listeners and HTTP still up', async () => {
    const echo = await tcpUpstream('echo');
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = (busy.address() as AddressInfo).port;
    try {
      dir.write('a.yaml', agentEndpointYaml({ name: 'a', url: 'tcp://a.tcp.example.io:10001', upstream: 'tcp://a.default:5432' }));
      dir.write('b.yaml', agentEndpointYaml({ name: 'b', url: 'tcp://b.tcp.example.io:10002', upstream: 'tcp://a.default:5432' }));
      const running = await serve([
        '--resolve',
        `a.default:5432=127.0.0.1:${echo.port}`,
        '--l4',
        `tcp://a.tcp.example.io:10001=127.0.0.1:${busyPort}`,
        '--l4',
        'tcp://b.tcp.example.io:10002=127.0.0.1:0',
      ]);
      const portB = await forwardedPort(running, 'tcp://b.tcp.example.io:10002');
      assert.match(
        running.stderr(),
        new RegExp(`cannot forward tcp://a\\.tcp\\.example\\.io:10001 on 127\\.0\\.0\\.1:${busyPort}: the address is in use`),
      );
      assert.doesNotMatch(running.stderr(), /\n\s+at /, 'no stack trace');
      const client = await connectLines(portB);
      try {
        assert.equal(await client.line(), 'hello echo');
      } finally {
        client.close();
      }
      const answer = await httpGet(running.port, 'nothing.example.io', '/');
      assert.equal(answer.status, 404);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });
});
