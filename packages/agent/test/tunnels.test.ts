// Upgrade (websocket-style) passthrough, L4 tcp/tls endpoints, PROXY protocol v1/v2.
import assert from 'node:assert/strict';
import http from 'node:http';
import type https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import { createUpstreamDialer, proxyProtocolHeader } from '../src/index.js';
import { storeWith, toLoopback, upstream } from './support/fixtures.js';
import { endpoint, model, request, route, seedModel, startProxy } from './support/proxy-harness.js';
import { echoHandler, httpsEchoServer, listen, type Echo, type RunningServer } from './support/servers.js';

/** Reads from a socket until `predicate` holds on everything read so far. */
function readUntil(socket: net.Socket, predicate: (data: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (predicate(data)) {
        socket.off('data', onData);
        resolve(data);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed after ${data.length} bytes: ${data.toString('latin1')}`)));
  });
}

/**
 * An upstream that reads a PROXY header (v1 or v2) from the raw TCP stream, then
 * terminates mutual TLS on the rest and serves HTTP with the echo handler.
 */
async function proxyProtocolUpstream(pki: SeedPki): Promise<{ running: RunningServer; headers: Buffer[] }> {
  const headers: Buffer[] = [];
  const httpServer = http.createServer((req, res) => {
    (res as http.ServerResponse).setHeader('x-proxy-header-count', String(headers.length));
    echoHandler()(req, res);
  });
  const secureContext = tls.createSecureContext({ cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.ca.certPem });
  const server = net.createServer((raw) => {
    void readUntil(raw, (d) => headerLength(d) !== undefined).then(
      (data) => {
        const length = headerLength(data) ?? 0;
        headers.push(data.subarray(0, length));
        raw.pause();
        raw.unshift(data.subarray(length));
        const socket = new tls.TLSSocket(raw, { isServer: true, secureContext, requestCert: true, rejectUnauthorized: true });
        socket.on('error', () => socket.destroy());
        httpServer.emit('connection', socket);
      },
      () => raw.destroy(),
    );
  });
  return { running: await listen(server), headers };
}

function headerLength(data: Buffer): number | undefined {
  if (data.subarray(0, 6).toString('latin1') === 'PROXY ') {
    const end = data.indexOf('\r\n');
    return end === -1 ? undefined : end + 2;
  }
  if (data.length >= 16 && data[12] === 0x21) return 16 + data.readUInt16BE(14);
  return undefined;
}

describe('tunnels and PROXY protocol', () => {
  let pki: SeedPki;
  let server: RunningServer<https.Server>;
  before(async () => {
    pki = await createSeedPki();
    server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
    // A toy Upgrade protocol: after 101, the upstream answers each chunk upper-cased, prefixed by the client subject.
    server.server.on('upgrade', (req: http.IncomingMessage, socket: tls.TLSSocket, head: Buffer) => {
      const subject = `CN=${socket.getPeerCertificate().subject?.CN ?? ''}`;
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: ${req.headers.upgrade ?? ''}\r\nx-subject: ${subject}\r\n\r\n`,
      );
      if (head.length) socket.write(head.toString().toUpperCase());
      socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()));
    });
  });
  after(() => server.close());

  it('passes an Upgrade through to the mTLS upstream and streams both ways', async () => {
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: storeWith(pki.client),
      resolve: toLoopback(server.port),
    });
    try {
      const { res, socket } = await new Promise<{ res: http.IncomingMessage; socket: net.Socket }>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port: harness.server.port,
          path: '/ws',
          headers: { host: 'example-hostname.ngrok.io', connection: 'Upgrade', upgrade: 'shout' },
        });
        req.on('upgrade', (response, sock) => resolve({ res: response, socket: sock }));
        req.on('response', (r) => reject(new Error(`no upgrade: ${r.statusCode}`)));
        req.on('error', reject);
        req.end();
      });
      assert.equal(res.statusCode, 101);
      assert.equal(res.headers['x-subject'], 'CN=ExampleClient');
      socket.write('hello tunnel');
      const echoed = await readUntil(socket, (d) => d.length >= 12);
      assert.equal(echoed.toString(), 'HELLO TUNNEL');
      socket.destroy();
    } finally {
      await harness.close();
    }
  });

  it('an Upgrade towards a refusing upstream gets a raw 502 with the code', async () => {
    const harness = await startProxy({
      model: seedModel(upstream({ client: false })),
      credentials: storeWith(),
      resolve: toLoopback(server.port),
    });
    try {
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port: harness.server.port,
          path: '/ws',
          headers: { host: 'example-hostname.ngrok.io', connection: 'Upgrade', upgrade: 'shout' },
        });
        req.on('response', resolve);
        req.on('upgrade', () => reject(new Error('upgraded')));
        req.on('error', reject);
        req.end();
      });
      res.resume();
      assert.equal(res.statusCode, 502);
      assert.equal(res.headers['x-kupstream-error'], 'client_certificate_required');
    } finally {
      await harness.close();
    }
  });

  it('forwards a tcp:// endpoint at L4 to a tls:// upstream with the client certificate', async () => {
    const tlsEcho = tls.createServer(
      { cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true },
      (socket) => {
        socket.write(`hello ${`CN=${socket.getPeerCertificate().subject?.CN ?? ''}`} sni=${String(socket.servername)}\n`);
        socket.pipe(socket);
      },
    );
    const echoServer = await listen(tlsEcho);
    const up = upstream({ name: 'l4', scheme: 'tls', port: 7443, client: pki.client });
    const harness = await startProxy({
      model: model([endpoint('tcp://1.tcp.example.com:12345', [route('tcp', [{ upstream: 'l4' }])])], [up]),
      credentials: storeWith(pki.client),
      resolve: toLoopback(echoServer.port),
    });
    const front = await listen(net.createServer(harness.proxy.connectionHandler('tcp://1.tcp.example.com:12345')));
    try {
      const client = net.connect({ host: '127.0.0.1', port: front.port });
      const greeting = await readUntil(client, (d) => d.includes(0x0a));
      assert.equal(greeting.toString(), 'hello CN=ExampleClient sni=example-service.default\n');
      assert.deepEqual(harness.proxy.l4Endpoints, ['tcp://1.tcp.example.com:12345']);
      assert.equal(harness.proxy.stats().tunnels, 1);
      client.write('ping');
      assert.equal((await readUntil(client, (d) => d.length >= 4)).toString(), 'ping');
      client.destroy();
    } finally {
      await harness.close();
      await front.close();
      await echoServer.close();
    }
  });

  for (const version of [1, 2] as const) {
    it(`sends a PROXY v${version} header before the TLS handshake, naming the original client`, async () => {
      const { running, headers } = await proxyProtocolUpstream(pki);
      const up = upstream({ client: pki.client, proxyProtocolVersion: version });
      const harness = await startProxy({ model: seedModel(up), credentials: storeWith(pki.client), resolve: toLoopback(running.port) });
      try {
        let clientPort = 0;
        const answer = await new Promise<{ status: number; echo: Echo }>((resolve, reject) => {
          const req = http.request(
            { host: '127.0.0.1', port: harness.server.port, path: '/pp', headers: { host: 'example-hostname.ngrok.io' }, agent: false },
            (res) => {
              let body = '';
              res.on('data', (c: Buffer) => (body += c.toString()));
              res.on('end', () => {
                if (res.statusCode !== 200) return reject(new Error(`${res.statusCode} ${JSON.stringify(res.headers)} ${body}`));
                resolve({ status: res.statusCode, echo: JSON.parse(body) as Echo });
              });
            },
          );
          req.on('socket', (s) => s.once('connect', () => (clientPort = s.localPort ?? 0)));
          req.on('error', reject);
          req.end();
        });
        assert.equal(answer.status, 200);
        assert.equal(answer.echo.subject, 'CN=ExampleClient');
        assert.equal(headers.length, 1);
        const expected = proxyProtocolHeader(version, {
          source: { address: '127.0.0.1', port: clientPort },
          destination: { address: '127.0.0.1', port: harness.server.port },
        });
        assert.deepEqual(headers[0], expected);
        if (version === 1)
          assert.equal(headers[0]?.toString('latin1'), `PROXY TCP4 127.0.0.1 127.0.0.1 ${clientPort} ${harness.server.port}\r\n`);
        else {
          const h = headers[0]!;
          assert.deepEqual([...h.subarray(12, 16)], [0x21, 0x11, 0x00, 0x0c]);
          assert.deepEqual([...h.subarray(16, 24)], [127, 0, 0, 1, 127, 0, 0, 1]);
          assert.deepEqual([h.readUInt16BE(24), h.readUInt16BE(26)], [clientPort, harness.server.port]);
        }
      } finally {
        await harness.close();
        await running.close();
      }
    });
  }

  it('PROXY v2 header encodes IPv6 and falls back to LOCAL / UNKNOWN without addresses', () => {
    const v6 = proxyProtocolHeader(2, {
      source: { address: '2001:db8::1', port: 1 },
      destination: { address: '::ffff:10.0.0.1', port: 2 },
    });
    assert.equal(v6[13], 0x21);
    assert.equal(v6.readUInt16BE(14), 36);
    assert.equal(v6.subarray(16, 32).toString('hex'), '20010db8000000000000000000000001');
    assert.equal(v6.subarray(32, 48).toString('hex'), '00000000000000000000ffff0a000001');
    assert.equal(proxyProtocolHeader(2, undefined).subarray(12).toString('hex'), '20000000');
    assert.equal(proxyProtocolHeader(1, undefined).toString(), 'PROXY UNKNOWN\r\n');
  });

  it('the dialer itself writes the PROXY header on connect()', async () => {
    const { running, headers } = await proxyProtocolUpstream(pki);
    try {
      const dialer = createUpstreamDialer(upstream({ client: pki.client, proxyProtocolVersion: 1 }), {
        credentials: storeWith(pki.client),
        resolve: toLoopback(running.port),
      });
      const socket = await dialer.connect({
        proxyProtocol: { source: { address: '203.0.113.7', port: 40000 }, destination: { address: '198.51.100.1', port: 443 } },
      });
      socket.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
      const response = await readUntil(socket, (d) => d.includes('"subject"'));
      assert.match(response.toString(), /CN=ExampleClient/);
      assert.equal(headers[0]?.toString(), 'PROXY TCP4 203.0.113.7 198.51.100.1 40000 443\r\n');
      socket.destroy();
    } finally {
      await running.close();
    }
  });

  it('keeps routing while tunnels are open and request() still works on the same proxy', async () => {
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: storeWith(pki.client),
      resolve: toLoopback(server.port),
    });
    try {
      assert.equal((await request(harness.server.port, 'example-hostname.ngrok.io')).status, 200);
    } finally {
      await harness.close();
    }
  });
});
