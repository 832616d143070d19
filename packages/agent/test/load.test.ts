// Issue 8: under a 256-connection load the upstream is stopped and started again. While it
// is down every answer is a typed 502/503, never a hang or a dropped client connection;
// once it is back, service resumes by itself within 5 s.
import assert from 'node:assert/strict';
import http from 'node:http';
import type https from 'node:https';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import { storeWith, toLoopback, upstream } from './support/fixtures.js';
import { seedModel, startProxy, type Harness } from './support/proxy-harness.js';
import { httpsEchoServer, type RunningServer } from './support/servers.js';

const CONNECTIONS = 256;

interface Outcome {
  startedAt: number;
  endedAt: number;
  /** 0: the client connection failed (never acceptable). */
  status: number;
  code?: string;
}

function send(port: number, agent: http.Agent): Promise<Outcome> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/load', headers: { host: 'example-hostname.ngrok.io' }, agent }, (res) => {
      res.resume();
      const code = res.headers['x-kupstream-error'];
      res.on('end', () =>
        resolve({ startedAt, endedAt: Date.now(), status: res.statusCode ?? 0, ...(typeof code === 'string' ? { code } : {}) }),
      );
      res.on('error', () => resolve({ startedAt, endedAt: Date.now(), status: 0 }));
    });
    req.on('error', () => resolve({ startedAt, endedAt: Date.now(), status: 0 }));
    req.end();
  });
}

describe('load: upstream stopped and restarted under 256 connections (issue 8)', function () {
  this.timeout(90_000);
  let pki: SeedPki;
  before(async () => {
    pki = await createSeedPki();
  });

  it('answers 502/503 while the upstream is down and 200 within 5 s after it returns', async () => {
    const start = (port = 0) =>
      httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem }, undefined, port);
    let server: RunningServer<https.Server> | undefined = await start();
    const port = server.port;
    const harness: Harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: storeWith(pki.client),
      resolve: toLoopback(port),
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    const outcomes: Outcome[] = [];
    let stop = false;
    const worker = async () => {
      while (!stop) outcomes.push(await send(harness.server.port, agent));
    };
    const until = async (done: () => boolean) => {
      while (!done()) await new Promise((r) => setTimeout(r, 10));
    };
    const workers = Array.from({ length: CONNECTIONS }, worker);
    try {
      await until(() => outcomes.length >= 2 * CONNECTIONS);
      await server.close();
      server = undefined;
      const downAt = Date.now();
      const downFrom = outcomes.length;
      await until(() => outcomes.filter((o) => o.startedAt > downAt).length >= CONNECTIONS);
      server = await start(port);
      const upAt = Date.now();
      await until(() => outcomes.some((o) => o.startedAt > upAt && o.status === 200));
      const firstOk = Math.min(...outcomes.filter((o) => o.startedAt > upAt && o.status === 200).map((o) => o.endedAt));
      await until(() => outcomes.filter((o) => o.startedAt > firstOk).length >= CONNECTIONS);
      stop = true;
      await Promise.all(workers);

      const statuses = (list: Outcome[]) => [...new Set(list.map((o) => `${o.status}${o.code ? ` ${o.code}` : ''}`))].sort();
      assert.deepEqual(statuses(outcomes.slice(0, downFrom)), ['200']);
      const whileDown = outcomes.filter((o) => o.startedAt > downAt && o.endedAt < upAt);
      assert.ok(whileDown.length > 0);
      assert.ok(
        whileDown.every((o) => o.status === 502 || o.status === 503),
        `while down: ${statuses(whileDown).join(', ')}`,
      );
      assert.ok(
        outcomes.every((o) => o.status !== 0),
        'no client connection failed',
      );
      assert.ok(firstOk - upAt < 5000, `first 200 came ${firstOk - upAt} ms after the upstream returned`);
      assert.deepEqual(statuses(outcomes.filter((o) => o.startedAt > firstOk)), ['200']);
      assert.equal(harness.proxy.stats().inFlight, 0);
    } finally {
      stop = true;
      await Promise.all(workers);
      agent.destroy();
      await harness.close();
      await server?.close();
    }
  });
});
