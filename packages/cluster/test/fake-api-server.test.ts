// The test API server must answer like kube-apiserver, or the cluster tests prove nothing.
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, FakeApiServer } from '@kupstream/fake-kube-api';
import { gateway, service } from './fixtures.js';

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of many shapes, read field by field in the assertions
  body: any;
}

describe('fake API server', () => {
  let server: FakeApiServer;
  beforeEach(async () => {
    server = await FakeApiServer.start({ absent: ['agentendpoints.ngrok.k8s.ngrok.com'] });
  });
  afterEach(() => server.close());

  const call = async (method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> => {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  it('lists built-in kinds without TypeMeta on items and custom resources with it', async () => {
    server.put(service('b', 'two'));
    server.put(service('a', 'one'));
    server.put(gateway('a', 'gw'));
    const services = await call('GET', '/api/v1/services');
    assert.equal(services.status, 200);
    assert.equal(services.body.kind, 'ServiceList');
    assert.equal(services.body.metadata.resourceVersion, server.resourceVersion);
    assert.deepEqual(
      services.body.items.map((i: { metadata: { namespace?: string; name: string } }) => `${i.metadata.namespace}/${i.metadata.name}`),
      ['a/one', 'b/two'],
    );
    assert.equal(services.body.items[0].kind, undefined);
    const gateways = await call('GET', '/apis/gateway.networking.k8s.io/v1/namespaces/a/gateways');
    assert.equal(gateways.body.kind, 'GatewayList');
    assert.equal(gateways.body.items[0].kind, 'Gateway');
    assert.equal(gateways.body.items[0].metadata.generation, 1);
    assert.match(gateways.body.items[0].metadata.uid, /^[0-9a-f-]{36}$/);
    assert.equal((await call('GET', '/api/v1/namespaces/b/services')).body.items.length, 1);
  });

  it('pages a list with limit/continue over a consistent snapshot', async () => {
    for (const name of ['a', 'b', 'c']) server.put(service('default', name));
    const first = await call('GET', '/api/v1/services?limit=2');
    assert.equal(first.body.items.length, 2);
    assert.equal(first.body.metadata.remainingItemCount, 1);
    server.put(service('default', 'd'));
    const second = await call('GET', `/api/v1/services?limit=2&continue=${first.body.metadata.continue}`);
    assert.deepEqual(
      second.body.items.map((i: { metadata: { namespace?: string; name: string } }) => i.metadata.name),
      ['c'],
    );
    assert.equal(second.body.metadata.continue, undefined);
    assert.equal(second.body.metadata.resourceVersion, first.body.metadata.resourceVersion);
  });

  it('answers 404 with a Status for what it does not serve or hold', async () => {
    const absent = await call('GET', '/apis/ngrok.k8s.ngrok.com/v1alpha1/agentendpoints');
    assert.equal(absent.status, 404);
    assert.equal(absent.body.kind, 'Status');
    assert.equal((await call('GET', '/apis/gateway.networking.k8s.io/v1/namespaces/a/gateways/missing')).body.reason, 'NotFound');
    assert.equal(
      (await call('GET', '/apis/gateway.networking.k8s.io/v1/gateways/missing')).status,
      404,
      'a namespaced object needs its namespace',
    );
  });

  it('replays watch history from a resourceVersion, and answers a compacted one with an ERROR 410 event', async () => {
    const created = server.put(gateway('a', 'gw'));
    const from = created.metadata.resourceVersion as string;
    server.put(gateway('a', 'gw', { spec: { gatewayClassName: 'other' } }));
    server.remove('gateway.networking.k8s.io/v1', 'Gateway', 'a', 'gw');
    const res = await fetch(`${server.url}/apis/gateway.networking.k8s.io/v1/gateways?watch=true&resourceVersion=${from}&timeoutSeconds=1`);
    const events = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      events.map((e) => e.type),
      ['MODIFIED', 'DELETED'],
    );
    assert.equal(events[0].object.metadata.generation, 2);
    server.compact();
    const gone = await fetch(`${server.url}/apis/gateway.networking.k8s.io/v1/gateways?watch=true&resourceVersion=${from}`);
    assert.equal(gone.status, 200);
    const [error] = (await gone.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(error.type, 'ERROR');
    assert.equal(error.object.code, 410);
    assert.equal(error.object.reason, 'Expired');
  });

  it('changes only .status through the status subresource, with resourceVersion preconditions', async () => {
    const stored = server.put(gateway('a', 'gw'));
    const path = '/apis/gateway.networking.k8s.io/v1/namespaces/a/gateways/gw/status';
    const patched = await call(
      'PATCH',
      path,
      { spec: { gatewayClassName: 'hijack' }, status: { conditions: [] } },
      'application/merge-patch+json',
    );
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body.status, { conditions: [] });
    assert.equal(patched.body.spec.gatewayClassName, 'ngrok');
    assert.equal(patched.body.metadata.generation, 1);
    assert.notEqual(patched.body.metadata.resourceVersion, stored.metadata.resourceVersion);
    const stale = await call(
      'PATCH',
      path,
      { metadata: { resourceVersion: stored.metadata.resourceVersion }, status: { x: 1 } },
      'application/merge-patch+json',
    );
    assert.equal(stale.status, 409);
    assert.equal(stale.body.reason, 'Conflict');
    const strategic = await call('PATCH', path, { status: {} }, 'application/strategic-merge-patch+json');
    assert.equal(strategic.status, 415, 'custom resources do not take strategic merge patches');
    const json = await call(
      'PATCH',
      path,
      [{ op: 'add', path: '/status/conditions/-', value: { type: 'Accepted' } }],
      'application/json-patch+json',
    );
    assert.deepEqual(json.body.status.conditions, [{ type: 'Accepted' }]);
    const noManager = await call(
      'PATCH',
      path,
      'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nstatus: {}\n',
      'application/apply-patch+yaml',
    );
    assert.equal(noManager.status, 422);
  });

  it('takes apply patches with a field manager, and strategic merge patches for built-in kinds', async () => {
    server.put(gateway('a', 'gw'));
    const applied = await call(
      'PATCH',
      '/apis/gateway.networking.k8s.io/v1/namespaces/a/gateways/gw/status?fieldManager=kupstream&force=true',
      JSON.stringify({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: 'a' },
        status: { conditions: [{ type: 'Accepted' }] },
      }),
      'application/apply-patch+yaml',
    );
    assert.equal(applied.status, 200);
    assert.deepEqual(applied.body.status, { conditions: [{ type: 'Accepted' }] });
    server.put({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { namespace: 'a', name: 'ing' }, spec: {} });
    const strategic = await call(
      'PATCH',
      '/apis/networking.k8s.io/v1/namespaces/a/ingresses/ing/status',
      { status: { loadBalancer: { ingress: [{ hostname: 'x.ngrok.app' }] } } },
      'application/strategic-merge-patch+json',
    );
    assert.equal(strategic.status, 200);
    assert.deepEqual(strategic.body.status, { loadBalancer: { ingress: [{ hostname: 'x.ngrok.app' }] } });
    assert.equal(strategic.body.metadata.generation, 1, 'a status write is not a spec change');
  });

  it('bumps generation on spec changes and keeps status on writes to the object', async () => {
    server.put({ ...gateway('a', 'gw'), status: { conditions: [{ type: 'Accepted' }] } });
    const current = (await call('GET', '/apis/gateway.networking.k8s.io/v1/namespaces/a/gateways/gw')).body;
    const updated = await call('PUT', '/apis/gateway.networking.k8s.io/v1/namespaces/a/gateways/gw', {
      ...current,
      spec: { gatewayClassName: 'x' },
      status: {},
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.metadata.generation, 2);
    assert.deepEqual(updated.body.status, { conditions: [{ type: 'Accepted' }] });
  });

  it('serves Leases with create, get and optimistic-concurrency updates', async () => {
    const path = '/apis/coordination.k8s.io/v1/namespaces/kupstream/leases';
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'writer' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
    };
    const created = await call('POST', path, lease);
    assert.equal(created.status, 201);
    assert.equal(created.body.metadata.namespace, 'kupstream');
    assert.equal((await call('POST', path, lease)).status, 409);
    const got = await call('GET', `${path}/writer`);
    const taken = await call('PUT', `${path}/writer`, { ...got.body, spec: { ...got.body.spec, holderIdentity: 'b' } });
    assert.equal(taken.status, 200);
    assert.equal(taken.body.spec.holderIdentity, 'b');
    const lost = await call('PUT', `${path}/writer`, { ...got.body, spec: { ...got.body.spec, holderIdentity: 'c' } });
    assert.equal(lost.status, 409, 'an update from a stale read loses');
    assert.equal((await call('GET', `${path}/writer`)).body.spec.holderIdentity, 'b');
  });

  it('records every call with its user and RBAC attributes, and refuses unknown tokens', async () => {
    await call('GET', '/api/v1/namespaces/a/services');
    const bad = await fetch(`${server.url}/api/v1/services`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(bad.status, 401);
    const [first, second] = server.calls;
    assert.deepEqual(first?.resource, { verb: 'list', group: '', version: 'v1', resource: 'services', namespace: 'a' });
    assert.equal(first?.user, 'test-admin');
    assert.equal(second?.statusCode, 401);
  });

  it('can cut watch connections and inject failures', async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/api/v1/services?watch=true`, { signal: controller.signal });
    assert.equal(server.watchCount, 1);
    const reading = res.text().then(
      () => 'ended',
      () => 'cut',
    );
    assert.equal(server.dropWatches(), 1);
    assert.equal(await reading, 'cut');
    server.failNext({ method: 'GET', path: /services$/, statusCode: 503, times: 1 });
    assert.equal((await call('GET', '/api/v1/services')).status, 503);
    assert.equal((await call('GET', '/api/v1/services')).status, 200);
  });
});
