// The controller loop with the replay informer: which statuses it writes, and when not.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { connectInformer, createController, translateAll } from '../controller.mjs';
import { ReplayInformer, readManifests } from '../lib/replay-informer.mjs';

const manifests = readManifests(fileURLToPath(new URL('../manifests', import.meta.url)));
const byKind = (kind) => manifests.find((o) => o.kind === kind);
const condition = (conditions, type) => conditions.find((c) => c.type === type);

describe('controller host', () => {
  let informer, controller, writes, translations, clock, failNextWrite;
  beforeEach(() => {
    informer = new ReplayInformer();
    writes = [];
    translations = 0;
    failNextWrite = false;
    // A clock that moves a minute per translation, so a kept lastTransitionTime shows.
    let minute = 0;
    clock = () => new Date(Date.UTC(2026, 5, 1, 0, minute));
    controller = createController({
      debounceMs: 20,
      retryMs: 30,
      translate: (snapshot) => {
        minute++;
        return translateAll(snapshot, clock);
      },
      onResult: () => translations++,
      writeStatus: (ref, patch) => {
        if (failNextWrite) {
          failNextWrite = false;
          throw new Error('503 from the API server');
        }
        writes.push({ ...ref, ...patch });
      },
      onError: () => {},
    });
    connectInformer(informer, controller.store);
  });
  afterEach(() => controller.close());

  async function apply(...events) {
    for (const [type, object] of events) informer.emit(type, object);
    await controller.idle();
  }
  const written = (kind) => writes.filter((w) => w.kind === kind);

  it('writes Accepted statuses once for a Gateway and HTTPRoute added in one burst', async () => {
    await apply(...manifests.map((o) => ['ADDED', o]));

    assert.equal(translations, 1, 'four events, one translation');
    assert.deepEqual(writes.map((w) => `${w.kind} ${w.name}`).sort(), ['Gateway shop', 'GatewayClass ngrok', 'HTTPRoute storefront']);
    const [gateway] = written('Gateway');
    assert.equal(condition(gateway.status.conditions, 'Accepted').status, 'True');
    assert.equal(gateway.status.listeners[0].attachedRoutes, 1);
    const [route] = written('HTTPRoute');
    assert.equal(route.namespace, 'default');
    assert.equal(condition(route.status.parents[0].conditions, 'Accepted').status, 'True');
    assert.equal(condition(route.status.parents[0].conditions, 'ResolvedRefs').status, 'True');
  });

  it('writes the Gateway again when its route is deleted, keeping unchanged transition times', async () => {
    await apply(...manifests.map((o) => ['ADDED', o]));
    const [before] = written('Gateway');
    writes = [];

    await apply(['DELETED', byKind('HTTPRoute')]);

    assert.deepEqual(
      writes.map((w) => `${w.kind} ${w.name}`),
      ['Gateway shop'],
      'a deleted object gets no status',
    );
    const [after] = writes;
    assert.equal(after.status.listeners[0].attachedRoutes, 0);
    // Translated a minute later, but Accepted stayed True: its lastTransitionTime stays put.
    assert.equal(clock().toISOString(), '2026-06-01T00:02:00.000Z');
    assert.equal(condition(before.status.conditions, 'Accepted').lastTransitionTime, '2026-06-01T00:01:00Z');
    assert.equal(condition(after.status.conditions, 'Accepted').lastTransitionTime, '2026-06-01T00:01:00Z');
  });

  it('writes nothing when the input does not change what the statuses say', async () => {
    await apply(...manifests.map((o) => ['ADDED', o]));
    writes = [];
    const service = byKind('Service');

    // A new version of the Service that changes no status: translated, not written.
    await apply(['MODIFIED', { ...service, metadata: { ...service.metadata, resourceVersion: '2000', labels: { tier: 'web' } } }]);
    assert.equal(translations, 2);
    // A resync delivering the very same object: the store sees no change, nothing runs.
    await apply(['MODIFIED', controller.store.get(byKind('HTTPRoute'))]);
    assert.equal(translations, 2);
    assert.deepEqual(writes, []);
  });

  it('does not rewrite statuses an object already carries (a restarted controller)', async () => {
    await apply(...manifests.map((o) => ['ADDED', o]));
    const statuses = new Map(writes.map((w) => [`${w.kind}/${w.name}`, w.status]));
    await controller.close();

    // A new controller lists the objects with the statuses the first one wrote.
    writes = [];
    controller = createController({
      debounceMs: 20,
      translate: (s) => translateAll(s, () => new Date('2026-06-02T00:00:00Z')),
      writeStatus: (ref, patch) => writes.push({ ...ref, ...patch }),
    });
    informer = new ReplayInformer();
    connectInformer(informer, controller.store);
    await apply(
      ...manifests.map((o) => [
        'ADDED',
        statuses.has(`${o.kind}/${o.metadata.name}`) ? { ...o, status: statuses.get(`${o.kind}/${o.metadata.name}`) } : o,
      ]),
    );
    assert.deepEqual(writes, []);
  });

  it('tries a failed write again, without waiting for the next change', async () => {
    failNextWrite = true;
    await apply(...manifests.map((o) => ['ADDED', o]));
    assert.equal(translations, 2, 'the first translation and its retry');
    assert.deepEqual(writes.map((w) => w.kind).sort(), ['Gateway', 'GatewayClass', 'HTTPRoute'], 'each status written once');
  });
});
