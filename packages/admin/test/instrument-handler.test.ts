import assert from 'node:assert/strict';
import http from 'node:http';
import { instrumentHandler } from '../src/instrument-handler.js';
import { RequestLog, type RequestRecord } from '../src/request-log.js';
import { closeServer, listening, send, waitFor } from './helpers.js';

/** Resolves with the next record the log takes. */
function nextRecord(log: RequestLog): Promise<RequestRecord> {
  return new Promise((resolve) => {
    const off = log.subscribe((r) => {
      off();
      resolve(r);
    });
  });
}

describe('admin/instrumentHandler', () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(closeServer));
  });

  async function serve(handler: http.RequestListener): Promise<number> {
    const server = http.createServer(handler);
    servers.push(server);
    return listening(server);
  }

  it('records method, host, path, status, duration and the x-kupstream-error code', async () => {
    const log = new RequestLog();
    const port = await serve(
      instrumentHandler((req, res) => {
        setTimeout(() => {
          res.writeHead(502, { 'x-kupstream-error': 'client_certificate_rejected', 'content-type': 'text/plain' });
          res.end('502 Bad Gateway\n');
        }, 20);
      }, log),
    );
    const recorded = nextRecord(log);
    const reply = await send(port, {
      method: 'POST',
      path: '/api/x?y=1',
      headers: { host: 'example-hostname.ngrok.io', authorization: 'Bearer t0ken' },
    });
    assert.equal(reply.status, 502);
    const r = await recorded;
    assert.equal(r.method, 'POST');
    assert.equal(r.host, 'example-hostname.ngrok.io');
    assert.equal(r.path, '/api/x?y=1');
    assert.equal(r.status, 502);
    assert.equal(r.error, 'client_certificate_rejected');
    assert.ok(r.durationMs >= 15, `duration ${r.durationMs} covers the handler's wait`);
    assert.equal(r.requestHeaders.authorization, '[redacted]');
    assert.equal(r.responseHeaders['x-kupstream-error'], 'client_certificate_rejected');
    assert.equal(r.requestBody, undefined);
    assert.equal(log.get(r.id), r);
  });

  it('takes route and upstream from routeOf, after calling onStart first', async () => {
    const log = new RequestLog();
    const started: string[] = [];
    const port = await serve(
      instrumentHandler((_req, res) => res.end('ok'), log, {
        onStart: (req) => started.push(req.url ?? ''),
        routeOf: (req) => ({ route: `route-for${req.url}`, upstream: 'default/example-service:443' }),
      }),
    );
    const recorded = nextRecord(log);
    await send(port, { path: '/p' });
    const r = await recorded;
    assert.deepEqual(started, ['/p']);
    assert.equal(r.route, 'route-for/p');
    assert.equal(r.upstream, 'default/example-service:443');
    assert.equal(r.error, undefined);
  });

  it('captures capped bodies without losing chunks a late-piping handler reads', async () => {
    const log = new RequestLog({ captureBodies: true, maxBodyBytes: 8 });
    const port = await serve(
      instrumentHandler((req, res) => {
        // Starts reading only later, as a proxy that first dials its upstream would.
        setTimeout(() => {
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => {
            res.write('echo:');
            res.end(Buffer.concat(chunks));
          });
        }, 30);
      }, log),
    );
    const recorded = nextRecord(log);
    const reply = await send(port, { method: 'PUT', path: '/', body: 'abcdefghijklmnop' });
    assert.equal(reply.body, 'echo:abcdefghijklmnop', 'the handler still got the whole body');
    const r = await recorded;
    assert.deepEqual(r.requestBody, { text: 'abcdefgh', bytes: 16, truncated: true });
    assert.deepEqual(r.responseBody, { text: 'echo:abc', bytes: 21, truncated: true });
  });

  it('records status 0 when the client leaves before any response', async () => {
    const log = new RequestLog();
    let arrived!: () => void;
    const gotRequest = new Promise<void>((resolve) => (arrived = resolve));
    const port = await serve(instrumentHandler(() => arrived(), log));
    const recorded = nextRecord(log);
    const req = http.request({ host: '127.0.0.1', port, path: '/slow', agent: false });
    req.on('error', () => {});
    req.end();
    await gotRequest;
    req.destroy();
    const r = await recorded;
    assert.equal(r.status, 0);
    assert.equal(r.path, '/slow');
  });

  it('records every request of a keep-alive connection once', async () => {
    const log = new RequestLog();
    const port = await serve(instrumentHandler((_req, res) => res.end('x'), log));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 3; i++) await send(port, { path: `/${i}`, agent });
    agent.destroy();
    await waitFor(() => log.size === 3);
    assert.deepEqual(
      log.list().map((r) => r.path),
      ['/2', '/1', '/0'],
    );
  });
});
