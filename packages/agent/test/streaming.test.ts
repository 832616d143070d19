// Bodies stream through the proxy in both directions (no full buffering), and the proxy's
// own timeouts answer 504.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import { storeWith, toLoopback, upstream } from './support/fixtures.js';
import { request, seedModel, startProxy } from './support/proxy-harness.js';
import { httpsEchoServer, silentServer } from './support/servers.js';

describe('streaming and proxy timeouts', () => {
  let pki: SeedPki;
  before(async () => {
    pki = await createSeedPki();
  });

  it('streams the request body to the upstream and the response back before either ends', async () => {
    let upstreamGotFirstChunk: () => void = () => undefined;
    const firstChunkSeen = new Promise<void>((resolve) => (upstreamGotFirstChunk = resolve));
    let finishResponse: () => void = () => undefined;
    const server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem }, (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      req.once('data', (chunk: Buffer) => {
        upstreamGotFirstChunk();
        // Echo the first chunk at once; the rest of the response waits for the client.
        res.write(`first:${chunk.toString()}\n`);
      });
      finishResponse = () => res.end('last\n');
      req.resume();
    });
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: storeWith(pki.client),
      resolve: toLoopback(server.port),
    });
    try {
      const req = http.request({
        host: '127.0.0.1',
        port: harness.server.port,
        method: 'POST',
        path: '/stream',
        headers: { host: 'example-hostname.ngrok.io', 'transfer-encoding': 'chunked' },
      });
      const response = new Promise<http.IncomingMessage>((resolve, reject) => {
        req.on('response', resolve);
        req.on('error', reject);
      });
      req.write('chunk-1');
      await firstChunkSeen; // the upstream has the first chunk while the client is still sending
      const res = await response;
      const firstLine = await new Promise<string>((resolve) => res.once('data', (c: Buffer) => resolve(c.toString())));
      assert.equal(firstLine, 'first:chunk-1\n'); // and the client reads it before the upstream ends
      req.end('chunk-2');
      finishResponse();
      let rest = '';
      for await (const chunk of res) rest += String(chunk);
      assert.equal(rest, 'last\n');
    } finally {
      await harness.close();
      await server.close();
    }
  });

  it('a client that stops reading stops the upstream (a bounded part of the body waits), and gets every byte once it reads', async () => {
    // Far more than the loopback socket buffers on the way can hold, so an upstream that
    // manages to send all of it means the proxy read it into memory.
    const bodyBytes = 96 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024);
    let written = 0;
    const sent = createHash('sha256');
    const server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bodyBytes });
      const next = (): void => {
        while (written < bodyBytes) {
          piece.fill(written / piece.length);
          sent.update(piece);
          written += piece.length;
          if (!res.write(Buffer.from(piece))) return void res.once('drain', next);
        }
        res.end();
      };
      next();
    });
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: storeWith(pki.client),
      resolve: toLoopback(server.port),
    });
    let res: http.IncomingMessage | undefined;
    try {
      res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.get(
          { host: '127.0.0.1', port: harness.server.port, path: '/big', headers: { host: 'example-hostname.ngrok.io' }, agent: false },
          resolve,
        );
        req.on('error', reject);
      });
      res.pause();
      // Wait until the upstream is held back: its byte count stops moving (or 10 s pass).
      let last = -1;
      for (let still = 0, giveUp = Date.now() + 10_000; still < 5 && Date.now() < giveUp;) {
        await sleep(100);
        still = written === last ? still + 1 : 0;
        last = written;
      }
      assert.equal(res.statusCode, 200);
      assert.ok(written < bodyBytes / 2, `the upstream sent ${written} of ${bodyBytes} bytes to a client that reads nothing`);
      const received = createHash('sha256');
      let length = 0;
      for await (const chunk of res) {
        received.update(chunk as Buffer);
        length += (chunk as Buffer).length;
      }
      assert.equal(length, bodyBytes);
      assert.equal(received.digest('hex'), sent.digest('hex'));
    } finally {
      res?.destroy();
      await harness.close();
      await server.close();
    }
  });

  it('504 handshake_timeout through the proxy when the upstream never answers TLS', async () => {
    const silent = await silentServer();
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: storeWith(pki.client),
      resolve: toLoopback(silent.port),
      timeouts: { handshake: 150 },
    });
    try {
      const answer = await request(harness.server.port, 'example-hostname.ngrok.io');
      assert.equal(answer.status, 504);
      assert.equal(answer.headers['x-kupstream-error'], 'handshake_timeout');
      assert.equal(answer.body, '504 Gateway Timeout: handshake_timeout\n');
    } finally {
      await harness.close();
      await silent.close();
    }
  });

  it('504 response_timeout when the upstream takes the request and never answers', async () => {
    const mute = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem }, () => undefined);
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: storeWith(pki.client),
      resolve: toLoopback(mute.port),
      timeouts: { response: 150 },
    });
    try {
      const answer = await request(harness.server.port, 'example-hostname.ngrok.io');
      assert.equal(answer.status, 504);
      assert.equal(answer.headers['x-kupstream-error'], 'response_timeout');
    } finally {
      await harness.close();
      await mute.close();
    }
  });
});
