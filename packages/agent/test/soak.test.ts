// Issue 8: memory stays bounded across many proxied requests. What could grow is counted
// (pools, TLS session and SecureContext caches, listeners), not timed: each must be the
// same after the loop as after the warm-up. KUPSTREAM_SOAK=1 runs a million requests.
import assert from 'node:assert/strict';
import http from 'node:http';
import type https from 'node:https';
import { createSeedPki } from '@kupstream/test-pki';
import type { CredentialStore } from '../src/index.js';
import { storeWith, toLoopback, upstream } from './support/fixtures.js';
import { seedModel, startProxy, type Harness } from './support/proxy-harness.js';
import { httpsEchoServer, type RunningServer } from './support/servers.js';

const REQUESTS = process.env.KUPSTREAM_SOAK === '1' ? 1_000_000 : Number(process.env.KUPSTREAM_SOAK_REQUESTS ?? 10_000);
const WARM_UP = 1_000;
const CONCURRENCY = 8;
/** The upstream closes one connection in this many requests, so dialing, handshakes and resumption are part of the loop. */
const CLOSE_EVERY = 250;

function get(port: number, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/soak', headers: { host: 'example-hostname.ngrok.io' }, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe(`soak: ${REQUESTS} proxied requests (issue 8)`, function () {
  this.timeout(REQUESTS > 100_000 ? 0 : 120_000);
  let server: RunningServer<https.Server>;
  let harness: Harness;
  let store: CredentialStore;
  before(async () => {
    const pki = await createSeedPki();
    let served = 0;
    server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem }, (_req, res) => {
      if (++served % CLOSE_EVERY === 0) res.setHeader('connection', 'close');
      res.end('ok');
    });
    store = storeWith(pki.client);
    harness = await startProxy({
      model: seedModel(upstream({ client: pki.client })),
      credentials: store,
      resolve: toLoopback(server.port),
    });
  });
  after(async () => {
    await harness.close();
    await server.close();
  });

  it('pools, caches and listeners do not grow', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const { proxy } = harness;
    const counts = () => {
      const stats = proxy.stats();
      return {
        pools: stats.pools,
        caches: stats.caches,
        inFlight: stats.inFlight,
        proxyListeners: proxy.eventNames().map((e) => proxy.listenerCount(e)),
        frontListeners: ['request', 'upgrade', 'connection'].map((e) => harness.server.server.listenerCount(e)),
        storeListeners: store.listenerCount('change'),
        agentFree: Object.values(agent.freeSockets).flat().length <= CONCURRENCY,
      };
    };
    let sent = 0;
    const failures: string[] = [];
    const run = async (total: number) => {
      const worker = async () => {
        while (sent < total) {
          sent++;
          const status = await get(harness.server.port, agent).catch((err: Error) => err.message);
          if (status !== 200 && failures.length < 10) failures.push(String(status));
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    };
    try {
      await run(WARM_UP);
      const warm = counts();
      await run(REQUESTS);
      assert.deepEqual(failures, []);
      assert.deepEqual(counts(), warm);
      assert.deepEqual(warm.pools, { agents: 1, retiredAgents: 0, sessions: 0 });
      assert.deepEqual(warm.caches, { tlsSessions: 1, secureContexts: 1 });
      const [pool] = proxy.stats().upstreams;
      assert.equal(pool?.active, 0);
      assert.ok((pool?.idle ?? 0) <= CONCURRENCY);
      // Every connection the upstream accepted was one counted handshake, and most were resumed.
      assert.equal((pool?.handshakes.full ?? 0) + (pool?.handshakes.resumed ?? 0), server.connections);
      assert.ok(server.connections >= REQUESTS / CLOSE_EVERY);
      assert.ok((pool?.handshakes.resumed ?? 0) > (pool?.handshakes.full ?? 0));
    } finally {
      agent.destroy();
    }
  });
});
