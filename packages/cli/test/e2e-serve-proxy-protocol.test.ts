// Issue 4, end to end: an AgentEndpoint with a client certificate and
// proxyProtocolVersion, through `kupstream serve`, to a real upstream that reads the
// PROXY header and then demands a client certificate over TLS (ngrok's operator drops
// proxyProtocolVersion; kupstream carries it to the upstream).
import assert from 'node:assert/strict';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import { startServe } from './helpers/cli-process.js';
import { httpGet } from './helpers/http-get.js';
import { clientCertSecretYaml } from './helpers/seed-manifests.js';
import { makeTempDir } from './helpers/temp-dir.js';

const V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

interface ProxyHeader {
  version: 1 | 2;
  sourceAddress: string;
  sourcePort: number;
}

/**
 * Reads one PROXY header (v1 text or v2 binary) off the socket; the rest is unshifted back.
 * The socket is paused first: a flowing socket would emit the unshifted bytes (the TLS
 * ClientHello, when it came in the same chunk) before the TLS server takes it over.
 */
function readProxyHeader(socket: Socket): Promise<ProxyHeader> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 16 && buffered.subarray(0, 12).equals(V2_SIGNATURE)) {
        const length = 16 + buffered.readUInt16BE(14);
        if (buffered.length < length) return;
        socket.off('data', onData);
        socket.pause();
        socket.unshift(buffered.subarray(length));
        const family = buffered[13];
        if (buffered[12] !== 0x21 || family !== 0x11) return reject(new Error(`unexpected v2 command/family ${buffered[12]}/${family}`));
        return resolve({ version: 2, sourceAddress: [...buffered.subarray(16, 20)].join('.'), sourcePort: buffered.readUInt16BE(24) });
      }
      const end = buffered.indexOf('\r\n');
      if (buffered.subarray(0, 6).toString() === 'PROXY ' && end > 0) {
        socket.off('data', onData);
        socket.pause();
        socket.unshift(buffered.subarray(end + 2));
        const [, protocol, source, , sourcePort] = buffered.subarray(0, end).toString().split(' ');
        if (protocol !== 'TCP4') return reject(new Error(`unexpected v1 protocol ${protocol}`));
        return resolve({ version: 1, sourceAddress: source ?? '', sourcePort: Number(sourcePort) });
      }
      if (buffered.length > 232) reject(new Error('no PROXY header'));
    };
    socket.on('data', onData);
  });
}

/** A TCP listener that reads the PROXY header, then serves mutual TLS on the same socket. */
async function startProxyProtocolUpstream(pki: SeedPki) {
  const headers: ProxyHeader[] = [];
  const tlsServer = createHttpsServer(
    { cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ clientSubject: peer?.subject ? `CN=${String(peer.subject.CN)}` : null, header: headers.at(-1) ?? null }));
    },
  );
  const sockets = new Set<Socket>();
  const tcp = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    readProxyHeader(socket).then(
      (header) => {
        headers.push(header);
        tlsServer.emit('connection', socket);
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  return {
    port: (tcp.address() as AddressInfo).port,
    headers,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        tlsServer.close();
        tcp.close(() => resolve());
      }),
  };
}

function agentEndpointYaml(version: string): string {
  return `apiVersion: ngrok.k8s.ngrok.com/v1alpha1
kind: AgentEndpoint
metadata:
  name: proxy-protocol-endpoint
spec:
  url: https://pp.example.ngrok.io
  upstream:
    url: https://my-service.my-namespace:8443
    proxyProtocolVersion: "${version}"
  clientCertificateRefs:
  - name: client-cert-secret
`;
}

describe('serve: AgentEndpoint with proxyProtocolVersion and a client certificate', function () {
  this.timeout(90_000);
  let pki: SeedPki;
  before(async () => {
    pki = await createSeedPki();
  });

  for (const version of ['1', '2'] as const) {
    it(`sends a PROXY v${version} header, then presents CN=ExampleClient over TLS`, async () => {
      const upstream = await startProxyProtocolUpstream(pki);
      const dir = makeTempDir();
      try {
        dir.write('agent-endpoint.yaml', agentEndpointYaml(version));
        dir.write('secret.yaml', clientCertSecretYaml(pki));
        const serve = await startServe([
          '-f',
          dir.path,
          '--listen',
          '127.0.0.1:0',
          '--resolve',
          `my-service.my-namespace:8443=127.0.0.1:${upstream.port}`,
        ]);
        try {
          const answer = await httpGet(serve.port, 'pp.example.ngrok.io', '/orders');
          assert.equal(answer.status, 200, `${answer.body}\n${serve.stderr()}`);
          const seen = JSON.parse(answer.body) as { clientSubject: string | null; header: ProxyHeader | null };
          assert.equal(seen.clientSubject, 'CN=ExampleClient');
          assert.equal(seen.header?.version, Number(version));
          assert.equal(seen.header?.sourceAddress, '127.0.0.1');
          assert.ok(seen.header && seen.header.sourcePort > 0);
        } finally {
          assert.equal(await serve.stop(), 0);
        }
      } finally {
        dir.remove();
        await upstream.close();
      }
    });
  }
});
