// The ClientHello reader serve's TLS listeners choose certificates with: real hellos from
// Node's TLS client (SNI, ALPN, split across reads), and any bytes at all without a throw.
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { parseClientHello } from '../src/listeners/client-hello.js';

/** The first bytes a Node TLS client sends. */
async function helloBytes(options: tls.ConnectionOptions): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const got = new Promise<Buffer>((resolve) =>
    server.once('connection', (socket) => {
      let data = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        if (parseClientHello(data).kind !== 'partial') {
          resolve(data);
          socket.destroy();
        }
      });
    }),
  );
  const client = tls.connect({ host: '127.0.0.1', port, ...options });
  client.on('error', () => undefined);
  const bytes = await got;
  client.destroy();
  server.close();
  return bytes;
}

describe('ClientHello reader', () => {
  it('reads the server name and ALPN protocols of a real ClientHello, lower-cased, whole or not yet', async () => {
    const bytes = await helloBytes({ servername: 'App.Example.COM', ALPNProtocols: ['h2', 'http/1.1'] });
    assert.deepEqual(parseClientHello(bytes), { kind: 'hello', serverName: 'app.example.com', alpn: ['h2', 'http/1.1'] });
    for (const cut of [1, 5, 40, bytes.length - 1]) assert.deepEqual(parseClientHello(bytes.subarray(0, cut)), { kind: 'partial' });
  });

  it('has no server name without SNI (an IP address)', async () => {
    const bytes = await helloBytes({ ALPNProtocols: ['http/1.1'] });
    assert.deepEqual(parseClientHello(bytes), { kind: 'hello', alpn: ['http/1.1'] });
  });

  it('says notTls for plain HTTP and for the HTTP/2 preface', () => {
    assert.equal(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n')).kind, 'notTls');
    assert.equal(parseClientHello(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')).kind, 'notTls');
  });

  it('never throws, whatever the bytes (a handshake record header in front or not)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (body, framed) => {
        const data = framed ? Buffer.concat([Buffer.from([22, 3, 1, body.length >> 8, body.length & 255, 1]), body]) : Buffer.from(body);
        const outcome = parseClientHello(data);
        assert.ok(['hello', 'partial', 'notTls'].includes(outcome.kind));
        if (outcome.kind === 'hello' && outcome.serverName !== undefined) assert.match(outcome.serverName, /^[a-z0-9._-]+$/);
      }),
      { numRuns: 2000 },
    );
  });
});
