import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SnapshotStore, type SnapshotChange } from '../src/index.js';

const service = (namespace: string, name: string, port = 80) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace, name },
  spec: { ports: [{ port }] },
});
const gateway = (namespace: string, name: string) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace, name },
  spec: { gatewayClassName: 'ngrok' },
});
const names = (objects: readonly { metadata?: { namespace?: string; name?: string } }[] | undefined) =>
  (objects ?? []).map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`);

describe('SnapshotStore', () => {
  it('routes objects to their list by apiVersion and kind', () => {
    const store = new SnapshotStore();
    assert.equal(store.upsert(service('default', 'web')), true);
    assert.equal(store.upsert(gateway('default', 'gw')), true);
    assert.equal(store.upsert({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'ngrok' } }), true);
    const snapshot = store.snapshot();
    assert.deepEqual(names(snapshot.services), ['default/web']);
    assert.deepEqual(names(snapshot.gateways), ['default/gw']);
    assert.deepEqual(names(snapshot.gatewayClasses), ['/ngrok']);
    assert.deepEqual(snapshot.httpRoutes, []);
  });

  it('refuses unknown kinds, wrong groups and nameless objects without changing', () => {
    const store = new SnapshotStore();
    const rejected: unknown[] = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'a', name: 'd' } },
      { apiVersion: 'example.com/v1', kind: 'Service', metadata: { namespace: 'a', name: 's' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'a' } },
      { apiVersion: 'v1', kind: 'Service' },
      'not an object',
      null,
      [service('a', 'b')],
    ];
    for (const object of rejected) assert.equal(store.upsert(object), false, JSON.stringify(object));
    assert.equal(store.version, 0);
    assert.equal(store.size, 0);
  });

  it('sorts every list by namespace, then name, whatever the insertion order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.constantFrom('a', 'a-b', 'b', 'default'), fc.constantFrom('x', 'x-1', 'y', 'z')), {
          selector: ([ns, n]) => `${ns}/${n}`,
        }),
        (pairs) => {
          const store = new SnapshotStore();
          for (const [ns, n] of pairs) store.upsert(service(ns, n));
          const expected = [...pairs]
            .sort(([na, a], [nb, b]) => (na < nb ? -1 : na > nb ? 1 : a < b ? -1 : a > b ? 1 : 0))
            .map(([ns, n]) => `${ns}/${n}`);
          assert.deepEqual(names(store.snapshot().services), expected);
        },
      ),
    );
  });

  it('caches the snapshot until the next change, and counts changes', () => {
    const store = new SnapshotStore();
    store.upsert(service('default', 'web'));
    const first = store.snapshot();
    assert.equal(store.snapshot(), first);
    assert.equal(store.version, 1);
    assert.equal(store.upsert({ ...service('default', 'web') }), true, 'an equal object is accepted');
    assert.equal(store.version, 1, 'an equal object is not a change');
    assert.equal(store.snapshot(), first);
    store.upsert(service('default', 'web', 8080));
    assert.equal(store.version, 2);
    const second = store.snapshot();
    assert.notEqual(second, first);
    assert.equal(second.services?.[0]?.spec?.ports?.[0]?.port, 8080);
    assert.equal(first.services?.[0]?.spec?.ports?.[0]?.port, 80, 'an earlier snapshot is not changed');
    const versioned = { ...service('default', 'web', 8080), metadata: { namespace: 'default', name: 'web', resourceVersion: '7' } };
    store.upsert(versioned);
    store.upsert({ ...versioned, metadata: { ...versioned.metadata } });
    assert.equal(store.version, 3, 'the same resourceVersion and content: no change');
    store.upsert({ ...versioned, metadata: { ...versioned.metadata, resourceVersion: '8' } });
    assert.equal(store.version, 4, 'a new resourceVersion is a new version');
  });

  it('deletes by object or by reference', () => {
    const store = new SnapshotStore();
    store.upsert(service('default', 'web'));
    store.upsert(service('default', 'api'));
    assert.equal(store.delete(service('default', 'web')), true);
    assert.equal(store.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'api' }), true);
    assert.equal(store.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'api' }), false);
    assert.equal(store.delete({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'x' }), false);
    assert.deepEqual(store.snapshot().services, []);
    assert.equal(store.version, 4);
  });

  it('gets a stored object by reference', () => {
    const store = new SnapshotStore();
    const gw = gateway('infra', 'edge');
    store.upsert(gw);
    assert.equal(store.get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'infra', name: 'edge' }), gw);
    assert.equal(store.get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'other', name: 'edge' }), undefined);
  });

  it('replaces a whole list, returning what does not belong in it', () => {
    const store = new SnapshotStore();
    store.upsert(service('default', 'old'));
    const wrongKind = gateway('default', 'gw');
    const rejected = store.replace('services', [service('default', 'b'), service('default', 'a'), wrongKind]);
    assert.deepEqual(rejected, [wrongKind]);
    assert.deepEqual(names(store.snapshot().services), ['default/a', 'default/b']);
    assert.deepEqual(store.snapshot().gateways, []);
    const version = store.version;
    store.replace('services', [service('default', 'a'), service('default', 'b')]);
    assert.equal(store.version, version, 'the same content is not a change');
  });

  it('tells subscribers of each change until they unsubscribe, even when one throws', () => {
    const store = new SnapshotStore();
    const seen: SnapshotChange[] = [];
    store.subscribe(() => {
      throw new Error('a broken listener');
    });
    const unsubscribe = store.subscribe((change) => seen.push(change));
    store.upsert(service('default', 'web'));
    store.delete(service('default', 'web'));
    store.replace('gateways', [gateway('default', 'gw')]);
    unsubscribe();
    store.upsert(service('default', 'later'));
    assert.deepEqual(seen, [
      { type: 'upsert', key: 'services', namespace: 'default', name: 'web', version: 1 },
      { type: 'delete', key: 'services', namespace: 'default', name: 'web', version: 2 },
      { type: 'replace', key: 'gateways', version: 3 },
    ]);
    assert.equal(store.version, 4);
  });
});
