// The example controller against the test API server: it writes the statuses of its own
// objects, and another controller's entry in the same status survives every write-back.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeConfig } from '@kupstream/cluster';
import { FakeApiServer, HOST_TOKEN } from '@kupstream/fake-kube-api';
import { startController } from '../controller.mjs';
import { readManifests } from '../lib/manifests.mjs';

const OTHER = {
  parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'their-gateway' },
  controllerName: 'example.com/another-controller',
  conditions: [
    {
      type: 'Accepted',
      status: 'True',
      reason: 'Accepted',
      message: '',
      lastTransitionTime: '2026-01-01T00:00:00Z',
      observedGeneration: 1,
    },
  ],
};

async function eventually(check, what) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('controller host on @kupstream/cluster', () => {
  let server, dir, controller;
  beforeEach(async () => {
    server = await FakeApiServer.start();
    dir = mkdtempSync(join(tmpdir(), 'kupstream-example-'));
    writeFileSync(join(dir, 'kubeconfig'), server.kubeconfig({ token: HOST_TOKEN }));
  });
  afterEach(async () => {
    await controller?.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const route = () => readManifests().find((o) => o.kind === 'HTTPRoute');
  const parents = () => {
    const { apiVersion, kind, metadata } = route();
    return server.get(apiVersion, kind, metadata.namespace, metadata.name)?.status?.parents ?? [];
  };

  it("writes its statuses and keeps another controller's status entry through every write-back", async () => {
    for (const object of readManifests()) server.put(object.kind === 'HTTPRoute' ? { ...object, status: { parents: [OTHER] } } : object);
    const results = [];
    controller = startController({ kubeConfig: loadKubeConfig(join(dir, 'kubeconfig')), onResult: (r) => results.push(r) });
    await controller.synced;
    assert.equal(results[0].endpoints.length, 1);
    await eventually(() => (parents().length === 2 ? true : undefined), 'our entry beside theirs');
    assert.deepEqual(
      parents().find((p) => p.controllerName === OTHER.controllerName),
      OTHER,
    );

    // The route changes (a second rule): translated and written again, their entry untouched.
    const changed = route();
    changed.spec.rules.push({ matches: [{ path: { type: 'PathPrefix', value: '/v2' } }], backendRefs: changed.spec.rules[0].backendRefs });
    const writes = server.calls.filter((c) => c.method === 'PATCH').length;
    server.put({
      ...changed,
      status: server.get(changed.apiVersion, changed.kind, changed.metadata.namespace, changed.metadata.name).status,
    });
    await eventually(() => (server.calls.filter((c) => c.method === 'PATCH').length > writes ? true : undefined), 'the next write-back');
    assert.deepEqual(
      parents().find((p) => p.controllerName === OTHER.controllerName),
      OTHER,
    );
    assert.ok(parents().some((p) => p.controllerName !== OTHER.controllerName));
  });
});
