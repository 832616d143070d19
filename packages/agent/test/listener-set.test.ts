import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { ProtocolServers, sniffPreface } from '../src/serving/listener-set.js';

/** A loopback server whose connections go to `accept`; returns its port and a closer. */
async function serverFor(accept: (socket: net.Socket) => void): Promise<{ port: number; close: () => void }> {
  const server = net.createServer(accept);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

describe('listener-set: connections before a protocol server has them', () => {
  it('closes a connection that never sends a byte after the idle timeout', async () => {
    let handed = false;
    const { port, close } = await serverFor((socket) => sniffPreface(socket, () => (handed = true), 150));
    try {
      const client = net.connect(port, '127.0.0.1');
      client.on('error', () => undefined);
      const started = Date.now();
      await once(client, 'close');
      assert.equal(handed, false);
      assert.ok(Date.now() - started >= 100, 'closed before its idle timeout');
    } finally {
      close();
    }
  });

  it('stops its idle timer once the connection is handed on', async () => {
    let socketAtServer: net.Socket | undefined;
    const { port, close } = await serverFor((socket) => {
      socketAtServer = socket;
      sniffPreface(socket, () => undefined, 150);
    });
    try {
      const client = net.connect(port, '127.0.0.1');
      client.on('error', () => undefined);
      await once(client, 'connect');
      client.write('GET / HTTP/1.1\r\n');
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(socketAtServer?.destroyed, false, 'the sniffer closed a connection it had handed on');
      assert.equal(socketAtServer?.listenerCount('timeout'), 0);
      client.destroy();
    } finally {
      close();
    }
  });

  it('answers a head over the size limit 431, as Node does for the servers it listens with', async () => {
    const servers = new ProtocolServers(
      (_req, res) => res.end('ok'),
      (_req, socket) => socket.destroy(),
    );
    const { port, close } = await serverFor((socket) => servers.acceptPlain(socket));
    try {
      const client = net.connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      client.on('data', (chunk: Buffer) => chunks.push(chunk));
      await once(client, 'connect');
      client.write(`GET / HTTP/1.1\r\nHost: a\r\nx-padding: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
      await once(client, 'close');
      assert.match(Buffer.concat(chunks).toString('latin1'), /^HTTP\/1\.1 431 /);
    } finally {
      servers.closeAll();
      close();
    }
  });
});
