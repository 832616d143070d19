import assert from 'node:assert/strict';
import { RESOURCES, SnapshotStore } from '@kupstream/core';
import { ApiError, ClusterAccessError, listClusterSnapshot, type KubeApi } from '../src/index.js';
import { startCluster, gateway, httpRoute, service, type Cluster } from './fixtures.js';

describe('listClusterSnapshot', () => {
  let cluster: Cluster;
  afterEach(() => cluster?.close());

  const seed = (c: Cluster) => {
    const objects = [
      service('default', 'web'),
      service('apps', 'api', 8443),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { namespace: 'default', name: 'cert' },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'default', name: 'ca' }, data: { 'ca.crt': 'x' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps', labels: { team: 'a' } } },
      {
        apiVersion: 'certificates.k8s.io/v1beta1',
        kind: 'ClusterTrustBundle',
        metadata: { name: 'example.com:ca:one', labels: { env: 'prod' } },
        spec: { signerName: 'example.com/ca', trustBundle: 'x' },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GatewayClass',
        metadata: { name: 'ngrok' },
        spec: { controllerName: 'ngrok.com/gateway-controller' },
      },
      gateway('default', 'gw'),
      httpRoute('default', 'route'),
      {
        apiVersion: 'gateway.networking.k8s.io/v1beta1',
        kind: 'ReferenceGrant',
        metadata: { namespace: 'apps', name: 'allow' },
        spec: { from: [], to: [] },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'BackendTLSPolicy',
        metadata: { namespace: 'apps', name: 'tls' },
        spec: { targetRefs: [] },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: 'ngrok' },
        spec: { controller: 'k8s.ngrok.com/ingress-controller' },
      },
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { namespace: 'default', name: 'ing' }, spec: { rules: [] } },
      {
        apiVersion: 'ngrok.k8s.ngrok.com/v1alpha1',
        kind: 'AgentEndpoint',
        metadata: { namespace: 'default', name: 'ep' },
        spec: { url: 'https://x.ngrok.app', upstream: { url: '8080' } },
      },
    ];
    return objects.map((o) => c.server.put(o));
  };

  it('lists every kind across namespaces into the same snapshot as the objects in the cluster', async () => {
    cluster = await startCluster();
    const stored = seed(cluster);
    // Items as the server holds them (with uid, resourceVersion...), through the store for the same order.
    const expected = new SnapshotStore();
    for (const object of stored) assert.ok(expected.upsert(object));
    const progress: string[] = [];
    const snapshot = await listClusterSnapshot(cluster.kubeConfig, { onProgress: (m) => progress.push(m) });
    assert.deepEqual(snapshot, expected.snapshot());
    assert.equal(snapshot.services?.[0]?.apiVersion, 'v1', 'list items of built-in kinds get their apiVersion back');
    assert.equal(snapshot.services?.[0]?.kind, 'Service');
    assert.ok(progress.includes('listed 2 services (v1)'), progress.join('\n'));
    assert.ok(progress.includes('listed 1 gateways.gateway.networking.k8s.io (v1)'));
    assert.ok(progress.includes('listed 1 clustertrustbundles.certificates.k8s.io (v1beta1)'), progress.join('\n'));
    // One list per kind, and one more for ClusterTrustBundle: v1 is asked for first, and not served here.
    const lists = cluster.server.calls.filter((c) => c.resource?.verb === 'list');
    assert.equal(lists.length, RESOURCES.length + 1);
    assert.ok(lists.every((c) => c.resource?.namespace === undefined && c.user.startsWith('system:serviceaccount:')));
    assert.ok(!progress.join('\n').includes('Y2VydA=='), 'no Secret data in progress lines');
  });

  it('skips a kind whose CRD is not installed, falls back to an older served version, and pages', async () => {
    cluster = await startCluster({ absent: ['agentendpoints.ngrok.k8s.ngrok.com', 'backendtlspolicies.gateway.networking.k8s.io/v1'] });
    for (const name of ['a', 'b', 'c', 'd', 'e']) cluster.server.put(service('default', name));
    cluster.server.put({
      apiVersion: 'gateway.networking.k8s.io/v1alpha3',
      kind: 'BackendTLSPolicy',
      metadata: { namespace: 'default', name: 'old' },
      spec: {},
    });
    const progress: string[] = [];
    const snapshot = await listClusterSnapshot(cluster.kubeConfig, { onProgress: (m) => progress.push(m), pageSize: 2 });
    assert.deepEqual(snapshot.agentEndpoints, []);
    assert.ok(
      progress.some((m) => /^skipped agentendpoints\.ngrok\.k8s\.ngrok\.com: not served/.test(m)),
      progress.join('\n'),
    );
    assert.deepEqual(
      snapshot.backendTLSPolicies?.map((p) => p.apiVersion),
      ['gateway.networking.k8s.io/v1alpha3'],
    );
    assert.deepEqual(
      snapshot.services?.map((s) => s.metadata?.name),
      ['a', 'b', 'c', 'd', 'e'],
    );
    assert.equal(cluster.server.callsTo('list', 'services').length, 3, 'five services in pages of two');
  });

  it('fails with a clear error when the identity may not list a kind', async () => {
    cluster = await startCluster();
    cluster.server.failNext({ path: /\/secrets$/, statusCode: 403, times: 1, reason: 'Forbidden' });
    await assert.rejects(
      listClusterSnapshot(cluster.kubeConfig),
      (e: unknown) => e instanceof ClusterAccessError && /not allowed to list secrets across namespaces \(403\)/.test(e.message),
    );
  });

  it('fails with a clear error when the API server cannot be reached', async () => {
    cluster = await startCluster();
    const kubeConfig = cluster.kubeConfig;
    await cluster.close();
    await assert.rejects(
      listClusterSnapshot(kubeConfig),
      (e: unknown) => e instanceof ClusterAccessError && /cannot reach http:\/\/127\.0\.0\.1:\d+/.test(e.message),
    );
  });

  it('reports malformed items instead of crashing on them', async () => {
    // A transport that serves a broken list (no API server would, a broken proxy might).
    const api: KubeApi = {
      server: 'https://broken.example',
      async request(_method, path) {
        if (path === '/api/v1/services')
          return {
            kind: 'ServiceList',
            metadata: { resourceVersion: '9' },
            items: [{ metadata: { name: 'ok', namespace: 'default' } }, { metadata: {} }, 'junk', null],
          };
        if (path.startsWith('/api/v1/')) return { kind: 'List', metadata: { resourceVersion: '9' }, items: [] };
        throw new ApiError('not found', 404);
      },
      async watch() {
        throw new ApiError('not used', 0);
      },
    };
    const progress: string[] = [];
    const snapshot = await listClusterSnapshot(api, { onProgress: (m) => progress.push(m) });
    assert.deepEqual(
      snapshot.services?.map((s) => s.metadata?.name),
      ['ok'],
    );
    assert.deepEqual(
      progress.filter((m) => m.startsWith('ignored')),
      [
        'ignored a malformed item in the services list: no metadata.name',
        'ignored a malformed item in the services list: a string instead of an object',
        'ignored a malformed item in the services list: null instead of an object',
      ],
    );
  });
});
