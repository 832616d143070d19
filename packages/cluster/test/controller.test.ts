// createController: the loop a host runs. Informers feed the store, each burst of changes
// is translated and handed to onResult, and statuses go back merged with the entries other
// controllers own; with a Lease, only the replica holding it writes.
import assert from 'node:assert/strict';
import type { TranslationResult } from '@kupstream/core';
import { DEFAULT_GATEWAY_CONTROLLER_NAME } from '@kupstream/gateway';
import { createController, type Controller } from '../src/index.js';
import { eventually, gateway, httpRoute, service, startCluster, type Cluster } from './fixtures.js';

const GW = 'gateway.networking.k8s.io/v1';
const OTHER = { parentRef: { name: 'other-gw' }, controllerName: 'example.com/other', conditions: [{ type: 'Accepted', status: 'True' }] };

describe('createController', () => {
  let cluster: Cluster;
  const controllers: Controller[] = [];
  afterEach(async () => {
    await Promise.all(controllers.splice(0).map((c) => c.close()));
    await cluster?.close();
  });

  const seed = (c: Cluster) => {
    c.server.put({
      apiVersion: GW,
      kind: 'GatewayClass',
      metadata: { name: 'ngrok' },
      spec: { controllerName: DEFAULT_GATEWAY_CONTROLLER_NAME },
    });
    c.server.put(gateway('default', 'gw'));
    c.server.put({ ...httpRoute('default', 'route'), status: { parents: [OTHER] } });
    c.server.put(service('default', 'web'));
  };
  const parentsOf = (c: Cluster) =>
    (
      (c.server.get(GW, 'HTTPRoute', 'default', 'route')?.status as { parents?: { controllerName: string }[] } | undefined)?.parents ?? []
    ).map((p) => p.controllerName);

  it("hands each translation to onResult and writes statuses back, keeping another controller's entry", async () => {
    cluster = await startCluster();
    seed(cluster);
    const results: TranslationResult[] = [];
    const controller = createController({
      kubeConfig: cluster.kubeConfig,
      debounceMs: 10,
      writeStatus: true,
      onResult: (r) => void results.push(r),
    });
    controllers.push(controller);
    await controller.synced;
    assert.equal(results[0]?.endpoints.length, 1);
    assert.equal(controller.isWriting(), true);
    await eventually(() => (parentsOf(cluster).length === 2 ? true : undefined), 'our parent entry beside the other one');
    assert.deepEqual(parentsOf(cluster).sort(), [DEFAULT_GATEWAY_CONTROLLER_NAME, 'example.com/other'].sort());
    // A change is translated again; the other controller's entry is still there after the next write.
    const translated = results.length;
    cluster.server.put({ ...gateway('default', 'gw'), metadata: { namespace: 'default', name: 'gw', labels: { changed: 'yes' } } });
    await eventually(() => (results.length > translated ? true : undefined), 'the change translated');
    assert.deepEqual(parentsOf(cluster).sort(), [DEFAULT_GATEWAY_CONTROLLER_NAME, 'example.com/other'].sort());
  });

  it('writes nothing without writeStatus, and only as the Lease holder with a lease', async () => {
    cluster = await startCluster();
    seed(cluster);
    const quiet = createController({ kubeConfig: cluster.kubeConfig, debounceMs: 10, onResult: () => undefined });
    controllers.push(quiet);
    await quiet.synced;
    assert.equal(quiet.isWriting(), false);
    assert.deepEqual(parentsOf(cluster), ['example.com/other']);
    assert.equal(cluster.server.calls.filter((c) => c.resource?.subresource === 'status').length, 0);

    const leading: boolean[] = [];
    const elected = createController({
      kubeConfig: cluster.kubeConfig,
      debounceMs: 10,
      onResult: () => undefined,
      // kupstream's namespace and default Lease name, as deploy/role-leases.yaml grants them.
      writeStatus: { lease: { namespace: 'kupstream', identity: 'replica-a' }, onLeading: (l) => void leading.push(l) },
    });
    controllers.push(elected);
    await eventually(() => (parentsOf(cluster).length === 2 ? true : undefined), 'the Lease holder writes');
    assert.deepEqual(leading, [true]);
    assert.equal(elected.isWriting(), true);
  });

  it('says what it needs when onResult is missing', () => {
    assert.throws(() => createController({ kubeConfig: {} as never } as never), /createController needs onResult/);
  });
});
