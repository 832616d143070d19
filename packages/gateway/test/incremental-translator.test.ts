import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toStableJson, type ClusterSnapshot, type TranslationResult } from '@kupstream/core';
import { GOLDEN_NOW } from '@kupstream/golden';
import { createCa } from '@kupstream/test-pki';
import { createGatewayTranslator, translateGatewayApi } from '../src/index.js';
import { mergedSnapshot, RICH_CASES } from './merged-snapshot.js';

type Lists = Record<string, unknown[]>;
const DAY = 86_400_000;

/** The JSON and what the credential store holds: everything a host can observe. */
function observed(result: TranslationResult): string {
  return toStableJson(result) + JSON.stringify(result.credentials.summary());
}

// One edit a watch could deliver. Edited objects are new objects with a new resourceVersion,
// as the API server and informers hand them out; the translator relies on that.
const edit = fc.oneof(
  fc.record({ type: fc.constant('junk' as const), kind: fc.nat(), object: fc.nat(), path: fc.nat(), value: fc.jsonValue() }),
  fc.record({ type: fc.constant('copySpec' as const), kind: fc.nat(), object: fc.nat(), from: fc.nat() }),
  fc.record({ type: fc.constant('delete' as const), kind: fc.nat(), object: fc.nat() }),
  fc.record({ type: fc.constant('duplicate' as const), kind: fc.nat(), object: fc.nat(), rename: fc.boolean() }),
  fc.record({ type: fc.constant('reclone' as const), kind: fc.nat(), object: fc.nat() }),
  fc.record({ type: fc.constant('reverse' as const), kind: fc.nat() }),
  fc.record({ type: fc.constant('clock' as const), days: fc.integer({ min: -800, max: 800 }) }),
  // A controller's clock between two watch events: nothing expires, statuses may restamp.
  fc.record({ type: fc.constant('tick' as const), seconds: fc.integer({ min: 0, max: 120 }) }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return [prefix, ...Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

function bumped(object: unknown): unknown {
  const copy = structuredClone(object) as { metadata?: { resourceVersion?: string } };
  if (typeof copy === 'object' && copy !== null && !Array.isArray(copy)) {
    if (typeof copy.metadata !== 'object' || copy.metadata === null) copy.metadata = {};
    copy.metadata.resourceVersion = String(Number(copy.metadata.resourceVersion ?? 0) + 1);
  }
  return copy;
}

/** The snapshot after the edit (unchanged lists and objects stay the same objects), and the clock. */
function apply(snapshot: Lists, step: Edit, now: Date): { snapshot: Lists; now: Date } {
  if (step.type === 'clock') return { snapshot, now: new Date(GOLDEN_NOW.getTime() + step.days * DAY) };
  if (step.type === 'tick') return { snapshot, now: new Date(now.getTime() + step.seconds * 1000) };
  const kinds = Object.keys(snapshot).filter((k) => snapshot[k]!.length > 0);
  const kind = kinds[step.kind % kinds.length]!;
  const list = [...snapshot[kind]!];
  const next = { ...snapshot, [kind]: list };
  if (step.type === 'reverse') {
    list.reverse();
    return { snapshot: next, now };
  }
  const i = step.object % list.length;
  switch (step.type) {
    case 'junk': {
      const copy = bumped(list[i]) as Record<string, unknown>;
      const path = paths(copy)[step.path % paths(copy).length]!;
      if (path.length === 0 || path[0] === 'metadata') (copy.spec as unknown) = step.value;
      else {
        let node = copy;
        for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
        node[path.at(-1)!] = step.value;
      }
      list[i] = copy;
      break;
    }
    case 'copySpec': {
      const copy = bumped(list[i]) as Record<string, unknown>;
      const from = list[step.from % list.length] as Record<string, unknown>;
      for (const key of Object.keys(from))
        if (key !== 'metadata' && key !== 'apiVersion' && key !== 'kind') copy[key] = structuredClone(from[key]);
      list[i] = copy;
      break;
    }
    case 'delete':
      list.splice(i, 1);
      break;
    case 'duplicate': {
      const copy = bumped(list[i]) as { metadata: { name?: string } };
      if (step.rename) copy.metadata.name = `${copy.metadata.name ?? 'x'}-copy`;
      list.push(copy);
      break;
    }
    case 'reclone':
      list[i] = structuredClone(list[i]);
      break;
  }
  return { snapshot: next, now };
}

describe('createGatewayTranslator', function () {
  this.timeout(180_000);
  let base: Lists;
  before(async () => {
    base = (await mergedSnapshot(RICH_CASES)) as unknown as Lists;
  });

  it('gives byte-identical results to a fresh translation over random edit sequences (property)', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), (steps) => {
        let now = GOLDEN_NOW;
        const options = { now: () => now, assumeClassesWhenAbsent: true };
        const translator = createGatewayTranslator(options);
        let snapshot = base;
        assert.equal(
          observed(translator.translate(snapshot as ClusterSnapshot)),
          observed(translateGatewayApi(snapshot as ClusterSnapshot, options)),
        );
        for (const step of steps) {
          ({ snapshot, now } = apply(snapshot, step, now));
          const cached = observed(translator.translate(snapshot as ClusterSnapshot));
          assert.equal(cached, observed(translateGatewayApi(snapshot as ClusterSnapshot, options)), `after ${JSON.stringify(step)}`);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('reuses unchanged routes: a changed route is retranslated, the others are the same objects', () => {
    const options = { now: () => GOLDEN_NOW, assumeClassesWhenAbsent: true };
    const translator = createGatewayTranslator(options);
    const first = translator.translate(base as ClusterSnapshot);
    const routes = [...base.httpRoutes!];
    const changed = bumped(routes[0]) as { metadata: { name: string; namespace: string } };
    routes[0] = changed;
    const second = translator.translate({ ...base, httpRoutes: routes } as ClusterSnapshot);
    const byName = (result: TranslationResult) => new Map(result.endpoints.flatMap((e) => e.routes).map((r) => [r.name, r]));
    const before = byName(first);
    const after = byName(second);
    const prefix = `httproute/${changed.metadata.namespace}/${changed.metadata.name}/`;
    let reused = 0;
    for (const [name, route] of after) {
      if (name.startsWith(prefix)) assert.notEqual(route, before.get(name));
      else if (before.get(name) === route) reused++;
    }
    assert.ok(reused > 5, `only ${reused} routes reused`);
    assert.equal(toStableJson(second), toStableJson(translateGatewayApi({ ...base, httpRoutes: routes } as ClusterSnapshot, options)));
  });

  it('patches shared endpoints and contested URLs like a fresh translation, over random route edits (property)', () => {
    // Two Gateways (the older wins) with listeners on the same hostnames, so URLs are contested
    // and endpoints gather many routes: what the endpoint table and the aggregates patch.
    const gateway = (name: string, created: string) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name, namespace: 'default', creationTimestamp: created },
      spec: {
        gatewayClassName: 'ngrok',
        listeners: [
          { name: 'a', hostname: 'a.example.com', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
          { name: 'wild', hostname: '*.example.com', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
        ],
      },
    });
    const services = ['s1', 's2', 's3'].map((name) => ({
      metadata: { name, namespace: 'default' },
      spec: { ports: [{ name: 'http', port: 80 }] },
    }));
    const routeSpec = fc.record({
      gateways: fc.subarray(['old', 'new'], { minLength: 1 }),
      hostnames: fc.subarray(['a.example.com', 'b.example.com', 'c.example.com'], { minLength: 1 }),
      path: fc.constantFrom('/', '/x', '/x/y'),
      type: fc.constantFrom('PathPrefix', 'Exact'),
      service: fc.constantFrom('s1', 's2', 's3', 'missing'),
      weight: fc.nat({ max: 3 }),
    });
    const route = (
      name: string,
      version: number,
      spec: { gateways: string[]; hostnames: string[]; path: string; type: string; service: string; weight: number },
    ) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        name,
        namespace: 'default',
        resourceVersion: String(version),
        creationTimestamp: `2026-01-01T00:00:${String(Number(name.slice(1)) % 60).padStart(2, '0')}Z`,
      },
      spec: {
        parentRefs: spec.gateways.map((g) => ({ name: g })),
        hostnames: spec.hostnames,
        rules: [
          {
            matches: [{ path: { type: spec.type, value: spec.path } }],
            backendRefs: [{ name: spec.service, port: 80, weight: spec.weight }],
          },
        ],
      },
    });
    const step = fc.record({ at: fc.nat(), remove: fc.boolean(), spec: routeSpec });
    fc.assert(
      fc.property(
        fc.array(routeSpec, { minLength: 1, maxLength: 12 }),
        fc.array(step, { minLength: 1, maxLength: 10 }),
        (initial, steps) => {
          const options = { now: () => GOLDEN_NOW, assumeClassesWhenAbsent: true };
          let version = 1;
          let routes = initial.map((spec, i) => route(`r${i}`, version++, spec));
          const snapshot = () =>
            ({
              gateways: [gateway('old', '2026-01-01T00:00:00Z'), gateway('new', '2026-02-01T00:00:00Z')],
              services,
              httpRoutes: routes,
            }) as unknown as ClusterSnapshot;
          const translator = createGatewayTranslator(options);
          const fixed = snapshot();
          translator.translate(fixed);
          for (const { at, remove, spec } of steps) {
            routes = [...routes];
            const i = at % (routes.length + 1);
            if (remove && i < routes.length) routes.splice(i, 1);
            else if (i < routes.length) routes[i] = route((routes[i] as { metadata: { name: string } }).metadata.name, version++, spec);
            else routes.push(route(`r${100 + version}`, version++, spec));
            const next = { ...fixed, httpRoutes: routes } as ClusterSnapshot;
            assert.equal(observed(translator.translate(next)), observed(translateGatewayApi(next, options)));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps routes across a moving clock: the same endpoints, statuses restamped only where time shows', () => {
    let now = GOLDEN_NOW;
    const options = { now: () => now, assumeClassesWhenAbsent: true };
    const translator = createGatewayTranslator(options);
    const first = translator.translate(base as ClusterSnapshot);
    // Write the statuses back, as a controller does: their conditions now hold a transition time.
    const written = {
      ...base,
      httpRoutes: base.httpRoutes!.map((route) => {
        const r = route as { metadata?: { name?: string; namespace?: string } };
        const status = first.statuses.find(
          (s) => s.kind === 'HTTPRoute' && s.name === r.metadata?.name && s.namespace === (r.metadata?.namespace ?? 'default'),
        );
        return status ? { ...r, status: status.status } : r;
      }),
    };
    now = new Date(GOLDEN_NOW.getTime() + 30_000);
    const second = translator.translate(written as ClusterSnapshot);
    now = new Date(GOLDEN_NOW.getTime() + 60_000);
    const third = translator.translate(written as ClusterSnapshot);
    assert.equal(observed(third), observed(translateGatewayApi(written as ClusterSnapshot, options)));
    const kept = third.endpoints.filter((e, i) => e === second.endpoints[i]).length;
    assert.ok(kept > 5 && kept === second.endpoints.length, `${kept} of ${second.endpoints.length} endpoints kept`);
    const routeStatuses = (r: TranslationResult) => r.statuses.filter((s) => s.kind === 'HTTPRoute');
    const same = routeStatuses(third).filter((s, i) => s === routeStatuses(second)[i]).length;
    assert.ok(same > 5, `${same} route statuses kept`);
  });

  it('re-evaluates a BackendTLSPolicy whose CA expires between calls with no object changed', async () => {
    const ca = await createCa({
      subject: 'CN=ShortLivedCA',
      notBefore: new Date(GOLDEN_NOW.getTime() - DAY),
      notAfter: new Date(GOLDEN_NOW.getTime() + DAY),
    });
    const snapshot = {
      gateways: [
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'Gateway',
          metadata: { name: 'gw', namespace: 'default' },
          spec: { gatewayClassName: 'ngrok', listeners: [{ name: 'web', hostname: 'app.example.com', port: 80, protocol: 'HTTP' }] },
        },
      ],
      httpRoutes: [
        {
          metadata: { name: 'route', namespace: 'default' },
          spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc', port: 443 }] }] },
        },
      ],
      services: [
        { metadata: { name: 'svc', namespace: 'default' }, spec: { ports: [{ name: 'https', port: 443, appProtocol: 'https' }] } },
      ],
      configMaps: [{ metadata: { name: 'backend-ca', namespace: 'default' }, data: { 'ca.crt': ca.certPem } }],
      backendTLSPolicies: [
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'BackendTLSPolicy',
          metadata: { name: 'verify', namespace: 'default' },
          spec: {
            targetRefs: [{ group: '', kind: 'Service', name: 'svc' }],
            validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }], hostname: 'svc.internal' },
          },
        },
      ],
    } as ClusterSnapshot;
    let now = GOLDEN_NOW;
    const options = { now: () => now, assumeClassesWhenAbsent: true };
    const translator = createGatewayTranslator(options);
    const before = translator.translate(snapshot);
    assert.ok(!before.diagnostics.some((d) => d.code === 'CertificateExpired'));
    now = new Date(GOLDEN_NOW.getTime() + 2 * DAY);
    const after = translator.translate(snapshot);
    assert.ok(after.diagnostics.some((d) => d.code === 'CertificateExpired' && d.resource.kind === 'BackendTLSPolicy'));
    assert.equal(observed(after), observed(translateGatewayApi(snapshot, options)));
  });

  it('keeps nothing global: two translators and the one-shot API do not see each other', () => {
    const options = { now: () => GOLDEN_NOW, assumeClassesWhenAbsent: true };
    const a = createGatewayTranslator(options);
    const b = createGatewayTranslator({ ...options, controllerName: 'example.com/other' });
    const expected = toStableJson(translateGatewayApi(base as ClusterSnapshot, options));
    a.translate(base as ClusterSnapshot);
    assert.equal(
      toStableJson(b.translate(base as ClusterSnapshot)),
      toStableJson(translateGatewayApi(base as ClusterSnapshot, { ...options, controllerName: 'example.com/other' })),
    );
    assert.equal(toStableJson(a.translate(base as ClusterSnapshot)), expected);
  });
});
