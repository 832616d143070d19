// `kupstream serve --workers 2` through the built binary, against real mutual-TLS upstreams
// on loopback (certificates made at test time): both workers serve, a model change reaches
// both, a killed worker is replaced while requests keep being answered, SIGTERM drains.
// Which worker served a request is read from the admin API's request log.
import assert from 'node:assert/strict';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import { assertBuilt, runBinary, startServe, type ServeProcess } from './helpers/cli-process.js';
import { httpGet } from './helpers/http-get.js';
import { SEED_GATEWAY, SEED_HTTPROUTE, SEED_SERVICE, clientCertSecretYaml, keyMaterialNeedles } from './helpers/seed-manifests.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { startTlsUpstream, type TlsUpstream, type UpstreamAnswer } from './helpers/tls-upstream.js';
import { waitFor } from './helpers/wait.js';

interface WorkerView {
  slot: number;
  pid: number;
  state: string;
  restarts: number;
}
interface RequestSummary {
  path: string;
  host: string;
  status: number;
  worker?: number;
  upstream?: string;
}

const ADDED_ENDPOINT = `apiVersion: ngrok.k8s.ngrok.com/v1alpha1
kind: AgentEndpoint
metadata: { name: added, namespace: default }
spec:
  url: https://added.example.com
  upstream: { url: https://example-service.default:443 }
  clientCertificateRefs: [{ name: client-cert-secret, namespace: default }]
`;

describe('e2e: kupstream serve --workers 2 (built binary, real mTLS upstream)', () => {
  let pki: SeedPki;
  let upstream: TlsUpstream;
  let dir: TempDir;
  let serve: ServeProcess | undefined;

  before(async () => {
    assertBuilt();
    pki = await createSeedPki();
    // Demands a client certificate signed by the seed CA; answers slowly on /slow paths.
    upstream = await startTlsUpstream('mtls', { cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem, slowMs: 1500 });
  });
  after(async () => {
    await upstream?.close();
  });
  beforeEach(() => {
    dir = makeTempDir();
    dir.write('gateway.yaml', SEED_GATEWAY);
    dir.write('httproute.yaml', SEED_HTTPROUTE);
    dir.write('service.yaml', SEED_SERVICE);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
  });
  afterEach(async () => {
    await serve?.stop('SIGKILL');
    serve = undefined;
    dir.remove();
  });

  const start = (extra: string[] = []) =>
    startServe([
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--resolve',
      `example-service.default:443=127.0.0.1:${upstream.port}`,
      '--admin',
      '127.0.0.1:0',
      '--workers',
      '2',
      ...extra,
    ]);

  async function api<T>(path: string): Promise<T> {
    const response = await fetch(`${serve!.adminUrl()}${path}`);
    assert.equal(response.status, 200, path);
    return (await response.json()) as T;
  }
  const workers = async () => (await api<{ workers: WorkerView[] }>('/api/status')).workers;

  /** `count` requests, each on a new connection; every one must reach the mTLS upstream as CN=ExampleClient. */
  async function requests(host: string, prefix: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const answer = await httpGet(serve!.port, host, `${prefix}/${i}`);
      assert.equal(answer.status, 200, `${prefix}/${i}: ${answer.status} ${answer.body}\n${serve!.stderr()}`);
      const seen = JSON.parse(answer.body) as UpstreamAnswer;
      assert.equal(seen.clientSubject, 'CN=ExampleClient');
      assert.equal(seen.path, `${prefix}/${i}`);
    }
  }

  /** The workers that served the paths starting with `prefix`, once all `count` are in the request log. */
  async function servedBy(prefix: string, count: number): Promise<Set<number>> {
    const records = await waitFor(`${count} requests under ${prefix} in the request log`, async () => {
      const { requests: all } = await api<{ requests: RequestSummary[] }>('/api/requests');
      const mine = all.filter((r) => r.path.startsWith(`${prefix}/`));
      return mine.length === count ? mine : undefined;
    });
    for (const r of records) assert.equal(r.status, 200);
    return new Set(records.map((r) => r.worker ?? 0));
  }

  it('both workers serve the mTLS upstream; requests spread over them; the admin server counts them all', async () => {
    serve = await start();
    assert.match(serve.stdout(), /kupstream: serving 1 endpoint on http:\/\/127\.0\.0\.1:\d+ \(2 workers\)\n$/);
    const listed = await workers();
    assert.deepEqual(
      listed.map((w) => [w.slot, w.state]),
      [
        [1, 'serving'],
        [2, 'serving'],
      ],
    );
    const pids = new Set(listed.map((w) => w.pid));
    assert.equal(pids.size, 2);
    assert.ok(!pids.has(serve.pid), 'the workers are processes of their own');

    await requests('example-hostname.ngrok.io', '/spread', 12);
    assert.deepEqual([...(await servedBy('/spread', 12))].sort(), [1, 2]);

    const metrics = await (await fetch(`${serve.adminUrl()}/metrics`)).text();
    const served = [...metrics.matchAll(/^kupstream_requests_total\{[^}]*code="200"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    assert.equal(served, 12, metrics);
    assert.match(metrics, /^kupstream_workers\{state="serving"\} 2$/m);
    // Pools are summed over the workers' reports: each dialed the upstream at least once.
    const pool = await waitFor('pool reports from both workers', async () => {
      const { upstreams } = await api<{ upstreams: { pool?: { handshakes: { full: number; resumed: number } } }[] }>('/api/upstreams');
      const hs = upstreams[0]?.pool?.handshakes;
      return hs && hs.full + hs.resumed >= 2 ? hs : undefined;
    });
    assert.ok(pool.full >= 1);

    assert.equal(await serve.stop('SIGTERM'), 0, serve.stderr());
    for (const needle of keyMaterialNeedles(pki))
      assert.ok(!serve.stderr().includes(needle) && !serve.stdout().includes(needle), 'key material in the logs');
  });

  it('a model change (a new endpoint with its own client certificate reference) reaches both workers', async () => {
    serve = await start();
    const before = await httpGet(serve.port, 'added.example.com', '/before');
    assert.equal(before.status, 404, before.body);
    dir.write('added.yaml', ADDED_ENDPOINT);
    await waitFor('the reload', () => serve!.stderr().includes('reloaded: serving 2 endpoints'));
    // Each worker got the model and the Secret's material from the primary.
    await requests('added.example.com', '/added', 12);
    assert.deepEqual([...(await servedBy('/added', 12))].sort(), [1, 2]);
  });

  it('a killed worker is replaced (logged, with a new pid in the same slot) and requests keep being answered', async () => {
    serve = await start();
    const [first] = await workers();
    assert.ok(first);
    process.kill(first.pid, 'SIGKILL');
    await waitFor('the primary to notice', async () => (await workers())[0]!.pid !== first.pid || (await workers())[0]!.state === 'exited');
    // The other worker answers meanwhile, the replacement once it listens.
    await requests('example-hostname.ngrok.io', '/during', 6);
    const replaced = await waitFor('the replacement to serve', async () => {
      const w = (await workers())[0]!;
      return w.pid !== first.pid && w.state === 'serving' ? w : undefined;
    });
    assert.equal(replaced.restarts, 1);
    assert.match(
      serve.stderr(),
      new RegExp(`worker 1 \\(pid ${first.pid}\\) exited \\(killed by SIGKILL\\); starting a replacement in \\d+ ms`),
    );
    await requests('example-hostname.ngrok.io', '/after', 12);
    assert.deepEqual([...(await servedBy('/after', 12))].sort(), [1, 2]);
    const metrics = await (await fetch(`${serve.adminUrl()}/metrics`)).text();
    assert.match(metrics, /^kupstream_worker_restarts_total 1$/m);
  });

  it('SIGTERM drains every worker: the request in flight completes, new connections are refused, exit 0, no worker left', async () => {
    serve = await start(['--shutdown-timeout', '5s']);
    const running = serve;
    const pids = (await workers()).map((w) => w.pid);
    const inFlight = httpGet(running.port, 'example-hostname.ngrok.io', '/slow/drain');
    await waitFor('the request at the upstream', () => upstream.received.includes('/slow/drain'));
    const exited = running.stop('SIGTERM');
    await waitFor('the stop to begin', () => running.stderr().includes('kupstream: stopping: draining requests in flight (at most 5 s)'));
    const answer = await inFlight;
    assert.equal(answer.status, 200, answer.body);
    assert.equal((JSON.parse(answer.body) as UpstreamAnswer).path, '/slow/drain');
    assert.equal(await exited, 0, running.stderr());
    assert.match(running.stderr(), /kupstream: stopped\n$/);
    await assert.rejects(httpGet(running.port, 'example-hostname.ngrok.io', '/new'), /ECONNREFUSED/);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} still runs`);
  });

  it('a listen address in use fails the start with exit 2 and the reason, and leaves no worker behind', async () => {
    serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0']);
    const taken = serve.port;
    const run = await runBinary(['serve', '-f', dir.path, '--listen', `127.0.0.1:${taken}`, '--workers', '2']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${taken}: the address is in use`));
  });

  it('--workers takes a whole number from 1 to 64, and says so', async () => {
    for (const value of ['0', '65', 'two', '1.5']) {
      const run = await runBinary(['serve', '-f', dir.path, '--listen', '127.0.0.1:0', '--workers', value]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /--workers .*: expected a whole number of worker processes from 1 to 64, e\.g\. --workers 2/);
    }
  });
});
