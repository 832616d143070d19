// The resource table is the one place a kind is declared: every derived view (snapshot
// keys, snapshotKeyFor, the store's routing) must follow it.
import assert from 'node:assert/strict';
import {
  READ_GROUPS,
  RESOURCES,
  resourceForGroupKind,
  resourceForKind,
  SNAPSHOT_KEYS,
  SnapshotStore,
  snapshotKeyFor,
} from '../src/index.js';

describe('the resource table', () => {
  it('names each kind, snapshot key and plural once', () => {
    for (const field of ['kind', 'key', 'plural'] as const) {
      const values = RESOURCES.map((r) => r[field]);
      assert.deepEqual(values, [...new Set(values)], field);
    }
    assert.deepEqual(
      SNAPSHOT_KEYS,
      RESOURCES.map((r) => r.key),
    );
  });

  it('routes every version it reads, and no other, to its snapshot list', () => {
    for (const r of RESOURCES) {
      for (const version of r.versions) {
        const apiVersion = r.group === '' ? version : `${r.group}/${version}`;
        assert.equal(snapshotKeyFor(apiVersion, r.kind), r.key, `${apiVersion} ${r.kind}`);
        const store = new SnapshotStore();
        const metadata = r.scope === 'Namespaced' ? { namespace: 'ns', name: 'a' } : { name: 'a' };
        assert.ok(store.upsert({ apiVersion, kind: r.kind, metadata }));
        assert.equal(store.snapshot()[r.key]?.length, 1);
      }
      const wrongVersion = r.group === '' ? 'v9' : `${r.group}/v9`;
      assert.equal(snapshotKeyFor(wrongVersion, r.kind), undefined);
      assert.equal(snapshotKeyFor('example.com/v1', r.kind), undefined);
      assert.equal(resourceForGroupKind('example.com/v1', r.kind), undefined);
      assert.equal(resourceForKind(r.kind), r);
    }
    assert.equal(resourceForKind('Deployment'), undefined);
  });

  it('EndpointSlices are read by the agent, beside the model: no translator reads them and no status is written', () => {
    const slices = RESOURCES.find((r) => r.kind === 'EndpointSlice');
    assert.ok(slices);
    assert.deepEqual(slices.readBy, ['agent']);
    assert.equal(slices.statusWritten, false);
    assert.equal(snapshotKeyFor('discovery.k8s.io/v1', 'EndpointSlice'), 'endpointSlices');
  });

  it('ClusterTrustBundles are cluster-scoped CA sources of the Gateway translator, read at v1, v1beta1 and v1alpha1', () => {
    const bundles = resourceForKind('ClusterTrustBundle');
    assert.ok(bundles);
    assert.equal(bundles.scope, 'Cluster');
    assert.deepEqual(bundles.versions, ['v1', 'v1beta1', 'v1alpha1']);
    assert.equal(snapshotKeyFor('certificates.k8s.io/v1alpha1', 'ClusterTrustBundle'), 'clusterTrustBundles');
    assert.equal(bundles.statusWritten, false);
  });

  it('lists each API group it reads from once', () => {
    assert.deepEqual([...READ_GROUPS].sort(), [
      '',
      'certificates.k8s.io',
      'discovery.k8s.io',
      'gateway.networking.k8s.io',
      'networking.k8s.io',
      'ngrok.k8s.ngrok.com',
    ]);
  });
});
