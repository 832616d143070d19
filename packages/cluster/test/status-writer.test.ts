import assert from 'node:assert/strict';
import { SnapshotStore, type ResourceStatus } from '@kupstream/core';
import { StatusWriter, type StatusWriteFailure } from '../src/index.js';
import { gateway, httpRoute, startCluster, type Cluster } from './fixtures.js';

const GW = 'gateway.networking.k8s.io/v1';
const CONTROLLER = 'ngrok.com/gateway-controller';

const condition = (type: string, status: 'True' | 'False', time: string, reason = type, generation = 1) => ({
  type,
  status,
  reason,
  message: '',
  observedGeneration: generation,
  lastTransitionTime: time,
});

const gatewayStatus = (time: string, accepted: 'True' | 'False' = 'True'): ResourceStatus => ({
  apiVersion: GW,
  kind: 'Gateway',
  namespace: 'default',
  name: 'gw',
  status: {
    conditions: [condition('Accepted', accepted, time), condition('Programmed', 'True', time)],
    listeners: [
      {
        name: 'web',
        attachedRoutes: 1,
        supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
        conditions: [condition('Accepted', 'True', time)],
      },
    ],
  },
});

const routeStatus = (time: string, resolved: 'True' | 'False' = 'True'): ResourceStatus => ({
  apiVersion: GW,
  kind: 'HTTPRoute',
  namespace: 'default',
  name: 'route',
  status: {
    parents: [
      {
        parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default', name: 'gw' },
        controllerName: CONTROLLER,
        conditions: [
          condition('Accepted', 'True', time),
          condition('ResolvedRefs', resolved, time, resolved === 'True' ? 'ResolvedRefs' : 'BackendNotFound'),
        ],
      },
    ],
  },
});

const classStatus = (time: string): ResourceStatus => ({
  apiVersion: GW,
  kind: 'GatewayClass',
  name: 'ngrok',
  status: { conditions: [condition('Accepted', 'True', time)] },
});

describe('StatusWriter', () => {
  let cluster: Cluster;
  let failures: StatusWriteFailure[];
  beforeEach(async () => {
    cluster = await startCluster();
    failures = [];
    cluster.server.put(gateway('default', 'gw'));
    cluster.server.put(httpRoute('default', 'route'));
    cluster.server.put({ apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'ngrok' }, spec: { controllerName: CONTROLLER } });
  });
  afterEach(() => cluster.close());

  const writer = (store?: SnapshotStore) =>
    new StatusWriter(cluster.kubeConfig, {
      onError: (f) => failures.push(f),
      backoff: { initialMs: 5, maxMs: 20 },
      ...(store ? { currentObject: (ref) => store.get(ref) } : {}),
    });
  const patches = () => cluster.server.calls.filter((c) => c.method === 'PATCH');
  const stored = (kind: string, namespace: string | undefined, name: string) => cluster.server.get(GW, kind, namespace, name)!;

  it('PATCHes the status subresource of namespaced and cluster-scoped objects with a merge patch', async () => {
    const versionBefore = stored('Gateway', 'default', 'gw').metadata.resourceVersion;
    const report = await writer().write([
      gatewayStatus('2026-06-01T00:00:00Z'),
      routeStatus('2026-06-01T00:00:00Z'),
      classStatus('2026-06-01T00:00:00Z'),
    ]);
    assert.equal(report.written.length, 3);
    assert.deepEqual(failures, []);
    const byPath = Object.fromEntries(patches().map((c) => [c.path, c]));
    assert.deepEqual(Object.keys(byPath).sort(), [
      '/apis/gateway.networking.k8s.io/v1/gatewayclasses/ngrok/status',
      '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/gw/status',
      '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/route/status',
    ]);
    const gw = byPath['/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/gw/status']!;
    assert.equal(gw.contentType, 'application/merge-patch+json');
    assert.deepEqual(
      gw.body,
      { metadata: { resourceVersion: versionBefore }, status: gatewayStatus('2026-06-01T00:00:00Z').status },
      'conditional on the version it read',
    );
    assert.deepEqual(stored('Gateway', 'default', 'gw').status, gatewayStatus('2026-06-01T00:00:00Z').status);
    assert.deepEqual(stored('Gateway', 'default', 'gw').spec, gateway('default', 'gw').spec, 'the spec is untouched');
    assert.deepEqual(stored('GatewayClass', undefined, 'ngrok').status, classStatus('2026-06-01T00:00:00Z').status);
  });

  it('does not PATCH again when only the transition times would move', async () => {
    const w = writer();
    await w.write([gatewayStatus('2026-06-01T00:00:00Z'), routeStatus('2026-06-01T00:00:00Z')]);
    const count = patches().length;
    const again = await w.write([gatewayStatus('2026-06-01T00:05:00Z'), routeStatus('2026-06-01T00:05:00Z')]);
    assert.equal(patches().length, count);
    assert.equal(again.unchanged.length, 2);
    // A new writer (a restarted process) compares with the object's current status instead.
    const store = new SnapshotStore();
    store.upsert(stored('Gateway', 'default', 'gw'));
    store.upsert(stored('HTTPRoute', 'default', 'route'));
    const gets = cluster.server.callsTo('get', 'gateways').length + cluster.server.callsTo('get', 'httproutes').length;
    const fresh = await writer(store).write([gatewayStatus('2026-06-01T01:00:00Z'), routeStatus('2026-06-01T01:00:00Z')]);
    assert.equal(fresh.unchanged.length, 2);
    assert.equal(patches().length, count);
    assert.equal(
      cluster.server.callsTo('get', 'gateways').length + cluster.server.callsTo('get', 'httproutes').length,
      gets,
      'the informer copy spares a GET',
    );
  });

  it('keeps lastTransitionTime of conditions whose status did not change, and moves it for those that did', async () => {
    const w = writer();
    await w.write([routeStatus('2026-06-01T00:00:00Z')]);
    const report = await w.write([routeStatus('2026-06-02T00:00:00Z', 'False')]);
    assert.equal(report.written.length, 1);
    const body = patches().at(-1)!.body as {
      status: { parents: { conditions: { type: string; status: string; reason: string; lastTransitionTime: string }[] }[] };
    };
    const conditions = body.status.parents[0]!.conditions;
    assert.deepEqual(
      conditions.map((c) => [c.type, c.status, c.reason, c.lastTransitionTime]),
      [
        ['Accepted', 'True', 'Accepted', '2026-06-01T00:00:00Z'],
        ['ResolvedRefs', 'False', 'BackendNotFound', '2026-06-02T00:00:00Z'],
      ],
    );
    // Listener conditions are matched by listener name, not by position.
    await w.write([gatewayStatus('2026-06-01T00:00:00Z')]);
    const moved = gatewayStatus('2026-06-03T00:00:00Z', 'False');
    await w.write([moved]);
    const gw = stored('Gateway', 'default', 'gw').status as {
      conditions: { type: string; lastTransitionTime: string }[];
      listeners: { conditions: { lastTransitionTime: string }[] }[];
    };
    assert.deepEqual(
      gw.conditions.map((c) => `${c.type}@${c.lastTransitionTime}`),
      ['Accepted@2026-06-03T00:00:00Z', 'Programmed@2026-06-01T00:00:00Z'],
    );
    assert.equal(gw.listeners[0]!.conditions[0]!.lastTransitionTime, '2026-06-01T00:00:00Z');
  });

  it("keeps other controllers' parent entries, and merges again after a conflict", async () => {
    const foreign = {
      parentRef: { name: 'other-gw' },
      controllerName: 'example.com/other',
      conditions: [condition('Accepted', 'True', '2025-01-01T00:00:00Z')],
    };
    const before = cluster.server.put({ ...httpRoute('default', 'route'), status: { parents: [foreign] } });
    const store = new SnapshotStore();
    store.upsert(before);
    // The other controller writes again after our informer saw the route: our first PATCH conflicts.
    const foreign2 = { ...foreign, conditions: [condition('Accepted', 'False', '2025-02-01T00:00:00Z')] };
    cluster.server.put({ ...httpRoute('default', 'route'), status: { parents: [foreign2] } });
    const report = await writer(store).write([routeStatus('2026-06-01T00:00:00Z')]);
    assert.equal(report.written.length, 1, JSON.stringify(failures));
    const statuses = patches().map((c) => c.statusCode);
    assert.deepEqual(statuses, [409, 200]);
    const parents = (
      stored('HTTPRoute', 'default', 'route').status as { parents: { controllerName: string; conditions: { status: string }[] }[] }
    ).parents;
    assert.deepEqual(
      parents.map((p) => p.controllerName),
      [CONTROLLER, 'example.com/other'],
    );
    assert.equal(parents[1]!.conditions[0]!.status, 'False', 'the fresher foreign entry is kept');
  });

  it('retries 5xx answers and reports what still fails without throwing', async () => {
    cluster.server.failNext({ method: 'PATCH', path: /gateways\/gw\/status$/, statusCode: 503, times: 2 });
    const w = writer();
    const report = await w.write([gatewayStatus('2026-06-01T00:00:00Z')]);
    assert.equal(report.written.length, 1);
    assert.deepEqual(
      patches().map((c) => c.statusCode),
      [503, 503, 200],
    );

    cluster.server.failNext({ method: 'PATCH', path: /httproutes\/route\/status$/, statusCode: 500, times: 10 });
    const missing: ResourceStatus = { ...gatewayStatus('2026-06-01T00:00:00Z'), name: 'deleted-meanwhile' };
    const unknown: ResourceStatus = { apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'web', status: {} };
    const failing = await w.write([routeStatus('2026-06-01T00:00:00Z'), missing, unknown]);
    assert.equal(failing.written.length, 0);
    assert.deepEqual(failing.failed.map((f) => [f.ref.kind, f.ref.name, f.statusCode]).sort(), [
      ['Gateway', 'deleted-meanwhile', 404],
      ['HTTPRoute', 'route', 500],
      ['Service', 'web', 0],
    ]);
    assert.match(failing.failed.find((f) => f.ref.kind === 'HTTPRoute')!.message, /gave up after 5 attempts/);
    assert.deepEqual(failures.map((f) => f.ref.name).sort(), ['deleted-meanwhile', 'route', 'web']);
  });

  it('writes again to an object that was deleted and re-created', async () => {
    const store = new SnapshotStore();
    store.upsert(stored('Gateway', 'default', 'gw'));
    const w = writer(store);
    assert.equal((await w.write([gatewayStatus('2026-06-01T00:00:00Z')])).written.length, 1);
    cluster.server.remove(GW, 'Gateway', 'default', 'gw');
    store.upsert(cluster.server.put(gateway('default', 'gw')));
    const report = await w.write([gatewayStatus('2026-06-01T00:00:00Z')]);
    assert.equal(report.written.length, 1, 'a new uid: what was written to the old object does not count');
    assert.deepEqual(stored('Gateway', 'default', 'gw').status, gatewayStatus('2026-06-01T00:00:00Z').status);
  });
});
