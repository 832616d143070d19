// HTTP/2 upstreams: ALPN h2 with mutual TLS, and prior-knowledge h2c.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type tls from 'node:tls';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import { storeWith, toLoopback, upstream } from './support/fixtures.js';
import { request, seedModel, startProxy } from './support/proxy-harness.js';
import { listen, type RunningServer } from './support/servers.js';

interface H2Echo {
  subject: string | null;
  alpn: string | false | null;
  path: string;
  authority: string;
  method: string;
  body: string;
  session: number;
}

function h2Echo(server: http2.Http2Server | http2.Http2SecureServer): void {
  const sessions = new WeakMap<object, number>();
  let next = 0;
  server.on('stream', (stream, headers) => {
    const session = stream.session;
    if (session && !sessions.has(session)) sessions.set(session, ++next);
    const socket = session?.socket as tls.TLSSocket | undefined;
    const peer = typeof socket?.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (body += c));
    stream.on('end', () => {
      const echo: H2Echo = {
        subject: peer?.subject ? `CN=${peer.subject.CN}` : null,
        alpn: socket && 'alpnProtocol' in socket ? socket.alpnProtocol : null,
        path: String(headers[':path']),
        authority: String(headers[':authority']),
        method: String(headers[':method']),
        body,
        session: session ? (sessions.get(session) ?? 0) : 0,
      };
      stream.respond({ ':status': 201, 'content-type': 'application/json', 'x-upstream': 'h2' });
      stream.end(JSON.stringify(echo));
    });
  });
}

describe('HTTP/2 upstreams', () => {
  let pki: SeedPki;
  let secure: RunningServer<http2.Http2SecureServer>;
  let cleartext: RunningServer<http2.Http2Server>;
  before(async () => {
    pki = await createSeedPki();
    const s = http2.createSecureServer({
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    });
    h2Echo(s);
    secure = await listen(s);
    const c = http2.createServer();
    h2Echo(c);
    cleartext = await listen(c);
  });
  after(async () => {
    await Promise.all([secure.close(), cleartext.close()]);
  });

  it('negotiates h2 by ALPN, presents the client certificate, multiplexes on one session', async () => {
    const harness = await startProxy({
      model: seedModel(upstream({ client: pki.client, protocol: 'http2' })),
      credentials: storeWith(pki.client),
      resolve: toLoopback(secure.port),
    });
    try {
      const answers = await Promise.all(
        [1, 2, 3].map((i) =>
          request(harness.server.port, 'example-hostname.ngrok.io', `/h2/${i}?q=${i}`, { method: 'PUT', body: `body-${i}` }),
        ),
      );
      const echoes = answers.map((a) => {
        assert.equal(a.status, 201, a.body);
        assert.equal(a.headers['x-upstream'], 'h2');
        return JSON.parse(a.body) as H2Echo;
      });
      assert.deepEqual(
        echoes.map((e) => e.subject),
        ['CN=ExampleClient', 'CN=ExampleClient', 'CN=ExampleClient'],
      );
      assert.deepEqual(
        echoes.map((e) => e.path),
        ['/h2/1?q=1', '/h2/2?q=2', '/h2/3?q=3'],
      );
      assert.deepEqual(
        echoes.map((e) => e.body),
        ['body-1', 'body-2', 'body-3'],
      );
      assert.equal(echoes[0]?.alpn, 'h2');
      assert.equal(echoes[0]?.authority, 'example-hostname.ngrok.io');
      assert.equal(new Set(echoes.map((e) => e.session)).size, 1);
      assert.equal(secure.connections, 1);
    } finally {
      await harness.close();
    }
  });

  it('an h2 upstream refusing the missing certificate is 502 client_certificate_required', async () => {
    const harness = await startProxy({
      model: seedModel(upstream({ client: false, protocol: 'http2' })),
      credentials: storeWith(),
      resolve: toLoopback(secure.port),
    });
    try {
      const answer = await request(harness.server.port, 'example-hostname.ngrok.io');
      assert.equal(answer.status, 502);
      assert.equal(answer.headers['x-kupstream-error'], 'client_certificate_required');
    } finally {
      await harness.close();
    }
  });

  it('speaks prior-knowledge h2c to http:// upstreams with protocol http2', async () => {
    const harness = await startProxy({
      model: seedModel(upstream({ scheme: 'http', port: 80, protocol: 'http2' })),
      credentials: storeWith(),
      resolve: toLoopback(cleartext.port),
    });
    try {
      const answer = await request(harness.server.port, 'example-hostname.ngrok.io', '/h2c', { method: 'POST', body: 'plain' });
      assert.equal(answer.status, 201, answer.body);
      const echo = JSON.parse(answer.body) as H2Echo;
      assert.deepEqual([echo.path, echo.body, echo.subject, echo.method], ['/h2c', 'plain', null, 'POST']);
    } finally {
      await harness.close();
    }
  });
});
