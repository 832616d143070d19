// The material translateAgentEndpoints puts in result.credentials is what a real TLS server
// that demands client certificates accepts: dialed here with node:tls on loopback, using
// only the model (url, serverName, clientCertificate.secret) and the credential store.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createSeedPki, tlsSecret } from '@kupstream/test-pki';
import { translateAgentEndpoints } from '../src/index.js';

describe('AgentEndpoint client certificate against a real mTLS server', () => {
  let server: Server;
  let port: number;
  let pki: Awaited<ReturnType<typeof createSeedPki>>;

  before(async () => {
    pki = await createSeedPki({ serverNames: ['my-service.my-namespace'] });
    server = createServer(
      { key: pki.server.keyPem, cert: pki.server.certPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true },
      (socket) => {
        const peer = socket.getPeerCertificate();
        socket.end(`hello ${peer.subject?.CN ?? 'nobody'}`);
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function dial(options: { cert?: string; key?: string; servername: string }): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket: TLSSocket = connect({
        host: '127.0.0.1',
        port,
        servername: options.servername,
        rejectUnauthorized: false,
        ...(options.cert ? { cert: options.cert, key: options.key } : {}),
      });
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (data += chunk));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
  }

  it('presents the seed client certificate from result.credentials and is accepted', async () => {
    const result = translateAgentEndpoints({
      agentEndpoints: [
        {
          metadata: { name: 'example-agent-endpoint' },
          spec: {
            url: 'https://example-hostname.ngrok.io',
            upstream: { url: 'https://my-service.my-namespace:8443' },
            clientCertificateRefs: [{ name: 'client-cert-secret', namespace: 'default' }],
          },
        },
      ],
      secrets: [tlsSecret('client-cert-secret', pki.client)],
    });
    const upstream = result.upstreams[0]!;
    const identity = result.credentials.get(upstream.tls!.clientCertificate!.secret)!;
    assert.equal(upstream.tls?.verification.mode, 'none');
    const answer = await dial({ cert: identity.certChainPem, key: identity.keyPem, servername: upstream.tls!.serverName });
    assert.equal(answer, 'hello ExampleClient');
  });

  it('the same server refuses a dial without the certificate (why the model fails closed)', async () => {
    await assert.rejects(
      (async () => {
        const answer = await dial({ servername: 'my-service.my-namespace' });
        if (!answer.startsWith('hello')) throw new Error('refused');
      })(),
    );
  });
});
