import assert from 'node:assert/strict';
import { RESOURCES, type ClusterSnapshot } from '@kupstream/core';
import { watchCluster, type ChangeInfo, type ClusterWatch, type KubeApi } from '../src/index.js';
import { eventually, gateway, service, startCluster, type Cluster } from './fixtures.js';

/** One watch per kind of the resource table. */
const ALL_KINDS = RESOURCES.length;

interface Delivery {
  snapshot: ClusterSnapshot;
  info: ChangeInfo;
}

const names = (list: readonly { metadata?: { namespace?: string; name?: string } }[] | undefined) =>
  (list ?? []).map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`);

describe('watchCluster', () => {
  let cluster: Cluster;
  let watch: ClusterWatch | undefined;
  let deliveries: Delivery[];
  let errors: Error[];
  let progress: string[];

  beforeEach(() => {
    deliveries = [];
    errors = [];
    progress = [];
  });
  afterEach(async () => {
    await watch?.close();
    watch = undefined;
    await cluster?.close();
  });

  const start = (options: { debounceMs?: number; resyncMs?: number } = {}) =>
    watchCluster(cluster.kubeConfig, {
      onChange: (snapshot, info) => {
        deliveries.push({ snapshot, info });
      },
      onError: (e) => errors.push(e),
      onProgress: (m) => progress.push(m),
      debounceMs: options.debounceMs ?? 20,
      resyncMs: options.resyncMs ?? 0,
      backoff: { initialMs: 20, maxMs: 100 },
    });
  const latest = () => deliveries[deliveries.length - 1];
  const waitFor = (what: string, check: (s: ClusterSnapshot) => boolean) =>
    eventually(() => (deliveries.length && check(latest()!.snapshot) ? latest() : undefined), what);

  it('delivers the first snapshot only after every kind is listed, then upserts, modifications and deletions', async () => {
    cluster = await startCluster({ absent: ['agentendpoints.ngrok.k8s.ngrok.com'] });
    cluster.server.put(service('default', 'web'));
    cluster.server.put(gateway('default', 'gw'));
    watch = start();
    await watch.synced;
    const first = await waitFor('the initial snapshot', () => true);
    assert.equal(first.info.reason, 'initial');
    assert.deepEqual(names(first.snapshot.services), ['default/web']);
    assert.deepEqual(names(first.snapshot.gateways), ['default/gw']);
    assert.deepEqual(first.snapshot.agentEndpoints, [], 'an absent CRD does not hold up the sync');
    assert.ok(progress.some((m) => m.startsWith('skipped agentendpoints')));
    await eventually(() => (cluster.server.watchCount === ALL_KINDS - 1 ? true : undefined), 'a watch per served kind');

    cluster.server.put(service('apps', 'api'));
    await waitFor('the new service', (s) => names(s.services).includes('apps/api'));
    cluster.server.put(service('default', 'web', 8080));
    await waitFor('the modified service', (s) => s.services?.find((o) => o.metadata?.name === 'web')?.spec?.ports?.[0]?.port === 8080);
    cluster.server.remove('gateway.networking.k8s.io/v1', 'Gateway', 'default', 'gw');
    const last = await waitFor('the deletion', (s) => s.gateways?.length === 0);
    assert.equal(last.info.reason, 'change');
    assert.deepEqual(names(last.snapshot.services), ['apps/api', 'default/web']);
    assert.deepEqual(errors, []);
  });

  it('debounces a burst of events into one delivery', async () => {
    cluster = await startCluster();
    watch = start({ debounceMs: 150 });
    await watch.synced;
    await eventually(
      () => (deliveries.length === 1 && cluster.server.watchCount === ALL_KINDS ? true : undefined),
      'the initial snapshot and all watches',
    );
    for (let i = 0; i < 20; i++) cluster.server.put(service('default', `svc-${i}`));
    await waitFor('all twenty services', (s) => s.services?.length === 20);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(deliveries.length, 2, `one delivery for the burst, got ${deliveries.length}`);
  });

  it('relists after 410 Gone and sees what happened while it was away', async () => {
    cluster = await startCluster();
    cluster.server.put(service('default', 'a'));
    cluster.server.put(service('default', 'b'));
    watch = start();
    await watch.synced;
    await eventually(() => (cluster.server.watchCount === ALL_KINDS ? true : undefined), 'all watches');
    const listsBefore = cluster.server.callsTo('list', 'services').length;
    // Changes the watch cannot replay: the history is compacted before it reconnects.
    cluster.server.failNext({ method: 'GET', path: /\/services$/, statusCode: 503, times: 1 });
    cluster.server.dropWatches();
    cluster.server.remove('v1', 'Service', 'default', 'a');
    cluster.server.put(service('default', 'c'));
    cluster.server.compact();
    const seen = await waitFor('the relisted services', (s) => names(s.services).join() === 'default/b,default/c');
    assert.ok(seen);
    assert.ok(cluster.server.callsTo('list', 'services').length > listsBefore, 'services were listed again');
    assert.ok(
      progress.some((m) => /^services: resourceVersion \d+ expired \(410 Gone\), listing again$/.test(m)),
      progress.join('\n'),
    );
  });

  it('reconnects a dropped watch from its resourceVersion, with backoff, without relisting', async () => {
    cluster = await startCluster();
    watch = start();
    await watch.synced;
    await eventually(() => (cluster.server.watchCount === ALL_KINDS ? true : undefined), 'all watches');
    const lists = cluster.server.calls.filter((c) => c.resource?.verb === 'list').length;
    cluster.server.failNext({ method: 'GET', path: /\/gateways$/, statusCode: 500, times: 2 });
    cluster.server.dropWatches();
    cluster.server.put(gateway('default', 'while-away'));
    await waitFor('the gateway created while the watch was down', (s) => names(s.gateways).includes('default/while-away'));
    await eventually(() => (cluster.server.watchCount === ALL_KINDS ? true : undefined), 'every watch back');
    assert.equal(
      cluster.server.calls.filter((c) => c.resource?.verb === 'list').length,
      lists,
      'resumed from the resourceVersion: no relist',
    );
    const gatewayWatches = cluster.server.callsTo('watch', 'gateways');
    assert.deepEqual(
      gatewayWatches.slice(-3).map((c) => c.statusCode),
      [500, 500, 200],
      'retried through two failures',
    );
    assert.ok(gatewayWatches.slice(-3).every((c) => c.query.resourceVersion === gatewayWatches[0]!.query.resourceVersion));
    assert.ok(
      errors.some((e) => /connection was cut/.test(e.message)),
      errors.map((e) => e.message).join('\n'),
    );
  });

  it('follows a CRD that is removed, then installed again', async () => {
    cluster = await startCluster();
    cluster.server.put({
      apiVersion: 'ngrok.k8s.ngrok.com/v1alpha1',
      kind: 'AgentEndpoint',
      metadata: { namespace: 'default', name: 'ep' },
      spec: {},
    });
    watch = watchCluster(cluster.kubeConfig, {
      onChange: (snapshot, info) => {
        deliveries.push({ snapshot, info });
      },
      onError: (e) => errors.push(e),
      onProgress: (m) => progress.push(m),
      debounceMs: 10,
      resyncMs: 0,
      absentRetryMs: 50,
      backoff: { initialMs: 10, maxMs: 50 },
    });
    await waitFor('the agent endpoint', (s) => s.agentEndpoints?.length === 1);
    await eventually(() => (cluster.server.watchCount === ALL_KINDS ? true : undefined), 'all watches');
    cluster.server.uninstall('agentendpoints.ngrok.k8s.ngrok.com');
    await waitFor('the endpoint gone with its CRD', (s) => s.agentEndpoints?.length === 0);
    await eventually(
      () => (progress.some((m) => m.startsWith('skipped agentendpoints')) ? true : undefined),
      'the kind noted as not served',
    );
    cluster.server.install('agentendpoints.ngrok.k8s.ngrok.com');
    cluster.server.put({
      apiVersion: 'ngrok.k8s.ngrok.com/v1alpha1',
      kind: 'AgentEndpoint',
      metadata: { namespace: 'default', name: 'again' },
      spec: {},
    });
    await waitFor('the endpoint of the reinstalled CRD', (s) => names(s.agentEndpoints).join() === 'default/again');
    assert.ok(progress.includes('agentendpoints.ngrok.k8s.ngrok.com is now served (v1alpha1)'), progress.join('\n'));
  });

  it('reports malformed watch events and goes on', async () => {
    // A transport with a broken watch stream (a misbehaving proxy); every list is empty.
    const api: KubeApi = {
      server: 'https://broken.example',
      async request() {
        return { metadata: { resourceVersion: '1' }, items: [] };
      },
      watch(path, _query, onEvent, signal) {
        if (path === '/api/v1/services') {
          onEvent({ type: 'ADDED', object: 'junk' });
          onEvent({ type: 'ADDED', object: { metadata: { namespace: 'default' } } });
          onEvent({ type: 'SURPRISE', object: { metadata: { namespace: 'default', name: 'x', resourceVersion: '2' } } });
          onEvent({ type: 'ADDED', object: { metadata: { namespace: 'default', name: 'good', resourceVersion: '3' } } });
        }
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve()));
      },
    };
    watch = watchCluster(api, {
      onChange: (snapshot, info) => void deliveries.push({ snapshot, info }),
      onProgress: (m) => progress.push(m),
      onError: (e) => errors.push(e),
      debounceMs: 5,
      resyncMs: 0,
    });
    await waitFor('the good service', (s) => names(s.services).join() === 'default/good');
    assert.deepEqual(
      progress.filter((m) => m.startsWith('ignored')),
      [
        'ignored a malformed ADDED event for services',
        'ignored a malformed ADDED event for services',
        'ignored a watch event of unknown type "SURPRISE" for services',
      ],
    );
    assert.deepEqual(errors, []);
  });

  it('closes promptly even while a list is still waiting for its answer', async () => {
    cluster = await startCluster();
    cluster.server.failNext({ method: 'GET', path: /\/secrets$/, delayMs: 5_000, times: 1 });
    watch = start();
    await eventually(() => (cluster.server.watchCount === ALL_KINDS - 1 ? true : undefined), 'every other kind watching');
    const started = Date.now();
    await watch.close();
    watch = undefined;
    assert.ok(Date.now() - started < 1_000, `close took ${Date.now() - started} ms`);
    assert.equal(deliveries.length, 0, 'no snapshot before every kind is listed');
    assert.deepEqual(errors, []);
  });

  it('re-delivers the unchanged snapshot on resync, and never runs onChange concurrently', async () => {
    cluster = await startCluster();
    let running = 0;
    let overlapped = false;
    const reasons: string[] = [];
    watch = watchCluster(cluster.kubeConfig, {
      onChange: async (_snapshot, info) => {
        overlapped ||= running > 0;
        running++;
        reasons.push(info.reason);
        await new Promise((resolve) => setTimeout(resolve, 60));
        running--;
        if (info.reason === 'initial') throw new Error('a failing host step');
      },
      onError: (e) => errors.push(e),
      debounceMs: 5,
      resyncMs: 25,
    });
    await eventually(() => (reasons.filter((r) => r === 'resync').length >= 2 ? true : undefined), 'two resyncs');
    assert.equal(reasons[0], 'initial');
    assert.equal(overlapped, false);
    assert.deepEqual(
      errors.map((e) => e.message),
      ['a failing host step'],
      'a throwing onChange is reported, and the loop goes on',
    );
  });
});
