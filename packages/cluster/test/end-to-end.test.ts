// The whole cluster loop with the real translators: objects in the API server ->
// list/watch -> translateGatewayApi -> statuses written back, converging (our own status
// writes come back as watch events and must not cause more writes).
import assert from 'node:assert/strict';
import { SnapshotStore, toStableJson, type ClusterSnapshot, type TranslationResult } from '@kupstream/core';
import { DEFAULT_GATEWAY_CONTROLLER_NAME, translateGatewayApi } from '@kupstream/gateway';
import { createSeedPki, tlsSecret } from '@kupstream/test-pki';
import { listClusterSnapshot, StatusWriter, watchCluster, type ClusterWatch } from '../src/index.js';
import { eventually, startCluster, type Cluster } from './fixtures.js';

// The seed PKI is issued around the real clock, so translation time follows it.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const GW = 'gateway.networking.k8s.io/v1';

const seedObjects = async () => {
  const pki = await createSeedPki();
  return [
    // In a cluster the GatewayClass is there (the operator's chart installs it).
    { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'ngrok' }, spec: { controllerName: DEFAULT_GATEWAY_CONTROLLER_NAME } },
    {
      apiVersion: GW,
      kind: 'Gateway',
      metadata: { name: 'example-gateway', namespace: 'default' },
      spec: {
        backendTLS: { clientCertificateRef: { name: 'client-cert-secret' } },
        gatewayClassName: 'ngrok',
        listeners: [{ name: 'example', hostname: 'example-hostname.ngrok.io', port: 443, protocol: 'HTTPS' }],
      },
    },
    {
      apiVersion: GW,
      kind: 'HTTPRoute',
      metadata: { name: 'example-route', namespace: 'default' },
      spec: {
        hostnames: ['example-hostname.ngrok.io'],
        parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'example-gateway', namespace: 'default' }],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [{ group: '', kind: 'Service', name: 'example-service', port: 443, weight: 1 }],
          },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'example-service',
        namespace: 'default',
        annotations: { 'k8s.ngrok.com/app-protocols': '{"https-port":"https","http-port":"http"}' },
      },
      spec: {
        ports: [
          { name: 'https-port', port: 443, protocol: 'TCP', targetPort: 8443 },
          { name: 'http-port', port: 80, protocol: 'TCP', targetPort: 8080 },
        ],
        selector: { app: 'example-app' },
      },
    },
    tlsSecret('client-cert-secret', pki.client, 'default'),
  ];
};

// No assumed classes: in a cluster, a Gateway of another class belongs to another controller.
const translate = (snapshot: ClusterSnapshot, now = NOW): TranslationResult =>
  translateGatewayApi(snapshot, { now: () => now, assumeClassesWhenAbsent: false });

type Conditions = { type: string; status: string; reason: string; lastTransitionTime: string }[];
const conditionsOf = (object: Record<string, unknown> | undefined) =>
  (object?.status as { conditions?: Conditions } | undefined)?.conditions ?? [];

describe('cluster mode end to end (real translators)', () => {
  let cluster: Cluster;
  let watch: ClusterWatch | undefined;
  afterEach(async () => {
    await watch?.close();
    watch = undefined;
    await cluster.close();
  });

  it('lists, translates like file mode, and writes the GatewayClass, Gateway and HTTPRoute statuses back, only for its own class', async () => {
    cluster = await startCluster();
    const objects = await seedObjects();
    for (const object of objects) cluster.server.put(object);
    // Another controller's class and Gateway: kupstream must leave their status alone.
    const others = [
      { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'other' }, spec: { controllerName: 'example.com/other-controller' } },
      {
        apiVersion: GW,
        kind: 'Gateway',
        metadata: { namespace: 'default', name: 'other-gateway' },
        spec: { gatewayClassName: 'other', listeners: [{ name: 'web', port: 80, protocol: 'HTTP' }] },
      },
    ];
    for (const object of others) cluster.server.put(object);
    const snapshot = await listClusterSnapshot(cluster.kubeConfig);
    const result = translate(snapshot);

    // File mode sees the same objects without what the API server adds (uid, resourceVersion...).
    const fileStore = new SnapshotStore();
    for (const object of [...objects, ...others]) fileStore.upsert(object);
    const fromFiles = translate(fileStore.snapshot());
    assert.equal(toStableJson({ ...result, statuses: [], diagnostics: [] }), toStableJson({ ...fromFiles, statuses: [], diagnostics: [] }));
    assert.equal(result.upstreams[0]?.tls?.clientCertificate?.secret.name, 'client-cert-secret');

    const kinds = result.statuses.map((s) => s.kind).sort();
    assert.deepEqual(kinds, ['Gateway', 'GatewayClass', 'HTTPRoute']);
    const report = await new StatusWriter(cluster.kubeConfig).write(result.statuses);
    assert.equal(report.written.length, 3, JSON.stringify(report.failed));
    for (const status of result.statuses) {
      const stored = cluster.server.get(status.apiVersion, status.kind, status.namespace, status.name);
      assert.deepEqual(stored?.status, status.status, `${status.kind} status written as translated`);
    }
    assert.deepEqual(
      cluster.server.calls.filter((c) => c.method === 'PATCH' && /other/.test(c.path)),
      [],
    );
    assert.equal(cluster.server.get(GW, 'Gateway', 'default', 'other-gateway')?.status, undefined);
    const gateway = cluster.server.get(GW, 'Gateway', 'default', 'example-gateway');
    assert.deepEqual(
      conditionsOf(gateway)
        .map((c) => `${c.type}=${c.status}`)
        .sort(),
      ['Accepted=True', 'Programmed=True', 'ResolvedRefs=True'],
    );
    assert.equal((conditionsOf(gateway)[0] as { observedGeneration?: number }).observedGeneration, 1);
  });

  it('keeps statuses current while watching, and settles (its own writes do not cause more)', async () => {
    cluster = await startCluster();
    for (const object of await seedObjects()) cluster.server.put(object);
    let clock = NOW.getTime();
    const failures: string[] = [];
    let translations = 0;
    const writer = new StatusWriter(cluster.kubeConfig, {
      currentObject: (ref) => watch?.store.get(ref),
      onError: (f) => failures.push(f.message),
    });
    watch = watchCluster(cluster.kubeConfig, {
      debounceMs: 20,
      resyncMs: 0,
      onChange: async (snapshot) => {
        translations++;
        clock += 60_000; // every translation sees a later now(): transition times must not churn
        await writer.write(translate(snapshot, new Date(clock)).statuses);
      },
      onError: (e) => failures.push(e.message),
    });
    const patches = () => cluster.server.calls.filter((c) => c.method === 'PATCH').length;
    await eventually(() => (patches() === 3 ? true : undefined), 'the first three status writes');
    const accepted = conditionsOf(cluster.server.get(GW, 'Gateway', 'default', 'example-gateway')).find((c) => c.type === 'Accepted')!;

    // Our writes come back as MODIFIED events: one more translation, no more writes.
    await eventually(() => (translations >= 2 ? true : undefined), 'the translation caused by our own writes');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(patches(), 3, 'settled');

    // The client certificate disappears: the Gateway reports it, keeping Accepted's transition time.
    cluster.server.remove('v1', 'Secret', 'default', 'client-cert-secret');
    const resolved = await eventually(() => {
      const condition = conditionsOf(cluster.server.get(GW, 'Gateway', 'default', 'example-gateway')).find(
        (c) => c.type === 'ResolvedRefs',
      );
      return condition?.status === 'False' ? condition : undefined;
    }, 'ResolvedRefs=False on the Gateway');
    assert.equal(resolved.reason, 'InvalidClientCertificateRef');
    const after = conditionsOf(cluster.server.get(GW, 'Gateway', 'default', 'example-gateway'));
    assert.equal(after.find((c) => c.type === 'Accepted')?.lastTransitionTime, accepted.lastTransitionTime);
    assert.notEqual(resolved.lastTransitionTime, accepted.lastTransitionTime);
    assert.deepEqual(failures, []);
  });
});
