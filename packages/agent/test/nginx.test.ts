// nginx with `ssl_verify_client on` as the upstream: the agent against an OpenSSL server.
import assert from 'node:assert/strict';
import http from 'node:http';
import { createCa, createSeedPki, issue, type Issued, type SeedPki } from '@kupstream/test-pki';
import { connectionInfo, createUpstreamDialer, type UpstreamDialer } from '../src/index.js';
import { caVerification, storeWith, toLoopback, upstream } from './support/fixtures.js';
import { startNginx, type RunningNginx } from './support/nginx.js';
import { request, seedModel, startProxy } from './support/proxy-harness.js';

interface NginxEcho {
  subject: string;
  verify: string;
  servername: string;
  reused: string;
  protocol: string;
  alpn: string;
  proxyAddr: string;
  proxyPort: string;
  uri: string;
  http: string;
}

function getVia(dialer: UpstreamDialer, path = '/'): Promise<{ status: number; body: string }> {
  const agent = new http.Agent({ keepAlive: false });
  agent.createConnection = dialer.createConnection;
  return new Promise((resolve, reject) => {
    http
      .get({ host: 'example-service.default', path, agent }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('against nginx (ssl_verify_client on)', () => {
  let pki: SeedPki;
  let rogue: Issued;
  let nginx: RunningNginx;
  before(async () => {
    pki = await createSeedPki({ serverNames: ['example-service.default'] });
    const other = await createCa({ subject: 'CN=OtherCA', keyType: 'ec' });
    rogue = await issue(other, { subject: 'CN=Rogue', extendedKeyUsage: ['clientAuth'], keyType: 'ec' });
    nginx = await startNginx({ serverCertPem: pki.server.certPem, serverKeyPem: pki.server.keyPem, clientCaPem: pki.ca.certPem });
  });
  after(async () => {
    await nginx?.stop();
  });

  it('verifies nginx (ca mode), sends SNI, presents CN=ExampleClient', async () => {
    const model = upstream({ client: pki.client, verification: caVerification(pki.ca.certPem, 'example-service.default') });
    const harness = await startProxy({
      model: seedModel(model),
      credentials: storeWith(pki.client, [pki.ca.certPem]),
      resolve: toLoopback(nginx.tlsPort),
    });
    try {
      const answer = await request(harness.server.port, 'example-hostname.ngrok.io', '/seed?x=1');
      assert.equal(answer.status, 200, answer.body);
      const echo = JSON.parse(answer.body) as NginxEcho;
      assert.equal(echo.subject, 'CN=ExampleClient');
      assert.equal(echo.verify, 'SUCCESS');
      assert.equal(echo.servername, 'example-service.default');
      assert.equal(echo.alpn, 'http/1.1');
      assert.equal(echo.uri, '/seed?x=1');
    } finally {
      await harness.close();
    }
  });

  it('resumes the TLS session with nginx on the next connection of the same identity', async () => {
    const dialer = createUpstreamDialer(upstream({ client: pki.client }), {
      credentials: storeWith(pki.client),
      resolve: toLoopback(nginx.tlsPort),
    });
    const first = JSON.parse((await getVia(dialer)).body) as NginxEcho;
    const second = JSON.parse((await getVia(dialer)).body) as NginxEcho;
    assert.equal(first.reused, '.');
    assert.equal(second.reused, 'r');
    assert.equal(second.subject, 'CN=ExampleClient');
  });

  it('nginx answers 400 when no client certificate is sent; the proxy passes the answer through', async () => {
    // nginx completes the handshake and refuses at the HTTP layer, so this is the upstream's answer, not a proxy error.
    const harness = await startProxy({
      model: seedModel(upstream({ client: false })),
      credentials: storeWith(),
      resolve: toLoopback(nginx.tlsPort),
    });
    try {
      const answer = await request(harness.server.port, 'example-hostname.ngrok.io');
      assert.equal(answer.status, 400);
      assert.match(answer.body, /No required SSL certificate was sent/);
      assert.equal(answer.headers['x-kupstream-error'], undefined);
    } finally {
      await harness.close();
    }
  });

  it('nginx refuses a certificate from another CA (400, certificate error)', async () => {
    const harness = await startProxy({
      model: seedModel(upstream({ client: rogue })),
      credentials: storeWith(rogue),
      resolve: toLoopback(nginx.tlsPort),
    });
    try {
      const answer = await request(harness.server.port, 'example-hostname.ngrok.io');
      assert.equal(answer.status, 400);
      assert.match(answer.body, /SSL certificate error/);
    } finally {
      await harness.close();
    }
  });

  it('a wrong expected hostname is hostname_mismatch before any request byte reaches nginx', async () => {
    const model = upstream({ client: pki.client, verification: caVerification(pki.ca.certPem, 'someone-else.default') });
    const harness = await startProxy({
      model: seedModel(model),
      credentials: storeWith(pki.client, [pki.ca.certPem]),
      resolve: toLoopback(nginx.tlsPort),
    });
    try {
      const answer = await request(harness.server.port, 'example-hostname.ngrok.io');
      assert.equal(answer.status, 502);
      assert.equal(answer.headers['x-kupstream-error'], 'hostname_mismatch');
    } finally {
      await harness.close();
    }
  });

  for (const version of [1, 2] as const) {
    it(`PROXY protocol v${version}: nginx's $proxy_protocol_addr/port name the original client`, async () => {
      const harness = await startProxy({
        model: seedModel(upstream({ client: pki.client, proxyProtocolVersion: version })),
        credentials: storeWith(pki.client),
        resolve: toLoopback(nginx.proxyProtocolPort),
      });
      try {
        let clientPort = 0;
        const body = await new Promise<string>((resolve, reject) => {
          const req = http.request(
            { host: '127.0.0.1', port: harness.server.port, path: '/', headers: { host: 'example-hostname.ngrok.io' } },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString()));
              res.on('end', () => resolve(text));
            },
          );
          req.on('socket', (s) => s.once('connect', () => (clientPort = s.localPort ?? 0)));
          req.on('error', reject);
          req.end();
        });
        const echo = JSON.parse(body) as NginxEcho;
        assert.equal(echo.subject, 'CN=ExampleClient');
        assert.equal(echo.proxyAddr, '127.0.0.1');
        assert.equal(echo.proxyPort, String(clientPort));
      } finally {
        await harness.close();
      }
    });
  }

  it('HTTP/2 to nginx by ALPN h2 with the client certificate', async () => {
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client, protocol: 'http2' })),
      credentials: storeWith(pki.client),
      resolve: toLoopback(nginx.http2Port),
    });
    try {
      const answer = await request(harness.server.port, 'example-hostname.ngrok.io', '/h2');
      assert.equal(answer.status, 200, answer.body);
      const echo = JSON.parse(answer.body) as NginxEcho;
      assert.deepEqual([echo.subject, echo.http, echo.alpn], ['CN=ExampleClient', 'HTTP/2.0', 'h2']);
    } finally {
      await harness.close();
    }
  });

  it('connectionInfo reports TLS 1.3 and the identity for nginx connections', async () => {
    const dialer = createUpstreamDialer(upstream({ client: pki.client }), {
      credentials: storeWith(pki.client),
      resolve: toLoopback(nginx.tlsPort),
    });
    const socket = await dialer.connect();
    const info = connectionInfo(socket);
    socket.destroy();
    assert.equal(info?.tlsVersion, 'TLSv1.3');
    assert.equal(info?.alpnProtocol, 'http/1.1');
    assert.equal(info?.clientSha256, pki.client.sha256);
  });
});
