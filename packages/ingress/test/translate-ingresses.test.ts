import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSeedPki, tlsSecret } from '@kupstream/test-pki';
import {
  mergeResults,
  toStableJson,
  translateAgentEndpoints,
  type ClusterSnapshot,
  type Ingress,
  type IngressClass,
  type Secret,
  type Service,
} from '@kupstream/core';
import { resolveIngressOptions, translateIngresses } from '../src/index.js';

const options = { now: () => new Date('2026-06-01T00:00:00Z') };

const ngrokClass: IngressClass = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'ngrok' },
  spec: { controller: 'ngrok.com/ingress-controller' },
};
const seedService: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'example-service', annotations: { 'k8s.ngrok.com/app-protocols': '{"https-port":"https","http-port":"http"}' } },
  spec: {
    ports: [
      { name: 'https-port', port: 443, protocol: 'TCP', targetPort: 8443 },
      { name: 'http-port', port: 80, protocol: 'TCP', targetPort: 8080 },
    ],
  },
};
function seedIngress(extra: Partial<NonNullable<Ingress['spec']>> = {}, className: string | undefined = 'ngrok'): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'example-ingress' },
    spec: {
      ...(className ? { ingressClassName: className } : {}),
      rules: [
        {
          host: 'example-hostname.ngrok.io',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'example-service', port: { number: 443 } } } }] },
        },
      ],
      ...extra,
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('translateIngresses', () => {
  let pki: Awaited<ReturnType<typeof createSeedPki>>;
  let serverSecret: Secret;
  before(async () => {
    pki = await createSeedPki({
      serverNames: ['example-hostname.ngrok.io'],
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2027-01-01T00:00:00Z'),
    });
    serverSecret = tlsSecret('example-tls', pki.server);
  });

  it("translates the seed's Ingress tab: https upstream, no client certificate, a warning", () => {
    const result = translateIngresses({ ingressClasses: [ngrokClass], ingresses: [seedIngress()], services: [seedService] }, options);
    assert.deepEqual(
      result.endpoints.map((e) => e.url),
      ['https://example-hostname.ngrok.io'],
    );
    const [upstream] = result.upstreams;
    assert.equal(upstream?.url, 'https://example-service.default:443');
    assert.equal(upstream?.tls?.clientCertificate, undefined);
    assert.deepEqual(upstream?.tls?.verification, { mode: 'none' });
    assert.ok(result.diagnostics.some((d) => d.code === 'UpstreamNotVerified' && d.severity === 'warning'));
  });

  it('takes classes as ours only when asked and when no IngressClass exists', () => {
    const snapshot: ClusterSnapshot = { ingresses: [seedIngress()], services: [seedService] };
    assert.equal(translateIngresses(snapshot, options).endpoints.length, 0);
    const assumed = translateIngresses(snapshot, { ...options, assumeClassesWhenAbsent: true });
    assert.equal(assumed.endpoints.length, 1);
    assert.ok(assumed.diagnostics.some((d) => d.code === 'IngressClassAssumed' && d.severity === 'info'));
    const withOtherClass = translateIngresses(
      { ...snapshot, ingressClasses: [{ metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } }] },
      { ...options, assumeClassesWhenAbsent: true },
    );
    assert.equal(withOtherClass.endpoints.length, 0);
  });

  it('accepts both ngrok controller names whichever is configured; a custom name stands alone', () => {
    assert.deepEqual([...resolveIngressOptions({ controllerName: 'k8s.ngrok.com/ingress-controller' }).controllers].sort(), [
      'k8s.ngrok.com/ingress-controller',
      'ngrok.com/ingress-controller',
    ]);
    assert.deepEqual([...resolveIngressOptions({ controllerName: 'example.com/x' }).controllers], ['example.com/x']);
  });

  it('validates spec.tls Secrets: public facts on the endpoint, PEM only in credentials', () => {
    const result = translateIngresses(
      {
        ingressClasses: [ngrokClass],
        ingresses: [seedIngress({ tls: [{ hosts: ['example-hostname.ngrok.io'], secretName: 'example-tls' }] })],
        services: [seedService],
        secrets: [serverSecret],
      },
      options,
    );
    assert.deepEqual(
      result.endpoints[0]?.tls?.certificates.map((c) => c.secret),
      [{ namespace: 'default', name: 'example-tls' }],
    );
    assert.equal(result.credentials.get({ namespace: 'default', name: 'example-tls' })?.keyPem, pki.server.keyPem);
    assert.doesNotMatch(toStableJson(result), /PRIVATE KEY/);
    assert.doesNotMatch(JSON.stringify(result), /PRIVATE KEY/);
  });

  it('writes status.loadBalancer from the option', () => {
    const result = translateIngresses(
      { ingressClasses: [ngrokClass], ingresses: [seedIngress()], services: [seedService] },
      { ...options, loadBalancerHostnames: ['b.example.net', '*.a.example.net'] },
    );
    assert.deepEqual(result.statuses[0]?.status, {
      loadBalancer: { ingress: [{ hostname: 'a.example.net' }, { hostname: 'b.example.net' }] },
    });
  });

  it('composes with the AgentEndpoint translator through mergeResults: the older claim on a URL wins', () => {
    const ingress = seedIngress();
    ingress.metadata = { name: 'example-ingress', creationTimestamp: '2026-03-01T00:00:00Z' };
    const agentEndpoint = {
      metadata: { name: 'example-agent-endpoint', creationTimestamp: '2026-02-01T00:00:00Z' },
      spec: { url: 'https://example-hostname.ngrok.io', upstream: { url: 'https://my-service.my-namespace:8443' } },
    };
    const snapshot: ClusterSnapshot = {
      ingressClasses: [ngrokClass],
      ingresses: [ingress],
      services: [seedService],
      agentEndpoints: [agentEndpoint],
    };
    const merged = mergeResults(translateIngresses(snapshot, options), translateAgentEndpoints(snapshot, options));
    assert.deepEqual(
      merged.endpoints.map((e) => e.sources[0]?.kind),
      ['AgentEndpoint'],
    );
    assert.deepEqual(
      merged.upstreams.map((u) => u.url),
      ['https://my-service.my-namespace:8443'],
    );
    const conflict = merged.diagnostics.find((d) => d.code === 'EndpointConflict');
    assert.deepEqual(conflict?.resource, { kind: 'Ingress', namespace: 'default', name: 'example-ingress' });
  });

  it('does not mutate its input', () => {
    const snapshot = deepFreeze({
      ingressClasses: [ngrokClass],
      ingresses: [
        seedIngress({
          tls: [{ secretName: 'example-tls' }],
          defaultBackend: { service: { name: 'example-service', port: { name: 'http-port' } } },
        }),
      ],
      services: [seedService],
      secrets: [serverSecret],
    });
    assert.doesNotThrow(() => translateIngresses(snapshot, options));
  });
});

describe('translateIngresses properties', () => {
  const hosts = ['a.example.com', 'b.example.com', '*.example.com'];
  const path = fc.record({
    path: fc.constantFrom('/', '/api', '/api/', '/x', 'bad'),
    pathType: fc.constantFrom('Exact', 'Prefix', 'ImplementationSpecific', undefined, 'Regex'),
    backend: fc.record({
      service: fc.record({
        name: fc.constantFrom('web', 'example-service', 'missing'),
        port: fc.oneof(
          fc.record({ number: fc.constantFrom(80, 443, 9000) }),
          fc.record({ name: fc.constantFrom('http-port', 'https-port') }),
        ),
      }),
    }),
  });
  const ingress: fc.Arbitrary<Ingress> = fc.record({
    apiVersion: fc.constant('networking.k8s.io/v1'),
    kind: fc.constant('Ingress'),
    metadata: fc.record(
      {
        name: fc.constantFrom('i1', 'i2', 'i3'),
        namespace: fc.constantFrom('default', 'team'),
        creationTimestamp: fc.constantFrom('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'),
        annotations: fc.constantFrom<Record<string, string>>(
          {},
          { 'ngrok.com/traffic-policy': 'p' },
          { 'k8s.ngrok.com/description': 'd' },
          { 'ngrok.com/bindings': 'a,b' },
        ),
      },
      { requiredKeys: ['name'] },
    ),
    spec: fc.record(
      {
        ingressClassName: fc.constantFrom('ngrok', 'nginx'),
        defaultBackend: fc.record({
          service: fc.record({ name: fc.constantFrom('web', 'example-service'), port: fc.record({ number: fc.constantFrom(80, 443) }) }),
        }),
        rules: fc.array(fc.record({ host: fc.constantFrom(...hosts), http: fc.record({ paths: fc.array(path, { maxLength: 3 }) }) }), {
          maxLength: 3,
        }),
        tls: fc.array(fc.record({ hosts: fc.subarray(hosts), secretName: fc.constantFrom('example-tls', 'nope') }), { maxLength: 2 }),
      },
      { requiredKeys: ['rules'] },
    ),
  });
  const services: Service[] = [
    seedService,
    { ...seedService, metadata: { ...seedService.metadata, namespace: 'team' } },
    {
      metadata: { name: 'web' },
      spec: {
        ports: [
          { name: 'http-port', port: 80 },
          { name: 'admin', port: 9000, appProtocol: 'kubernetes.io/h2c' },
        ],
      },
    },
    // Same name, other content: the canonical order picks one, whatever the input order.
    { metadata: { name: 'web' }, spec: { ports: [{ name: 'http-port', port: 80 }] } },
  ];
  const classes: IngressClass[] = [ngrokClass, { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } }];
  let secrets: Secret[];
  before(async () => {
    const pki = await createSeedPki({ notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') });
    secrets = [tlsSecret('example-tls', pki.server), tlsSecret('example-tls', pki.server, 'team')];
  });
  const shuffled = <T>(items: readonly T[]) => fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });

  it('gives byte-identical output for any order of the input objects', () => {
    fc.assert(
      fc.property(
        fc
          .array(ingress, { maxLength: 5 })
          .chain((list) => fc.tuple(fc.constant(list), shuffled(list), shuffled(services), shuffled(secrets), shuffled(classes))),
        ([list, reordered, reorderedServices, reorderedSecrets, reorderedClasses]) => {
          const a = toStableJson(translateIngresses({ ingresses: list, services, secrets, ingressClasses: classes }, options));
          const b = toStableJson(
            translateIngresses(
              { ingresses: reordered, services: reorderedServices, secrets: reorderedSecrets, ingressClasses: reorderedClasses },
              options,
            ),
          );
          assert.equal(a, b);
          assert.doesNotMatch(a, /PRIVATE KEY/);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('is idempotent: translating again, or merging the result with itself, changes nothing', () => {
    fc.assert(
      fc.property(fc.array(ingress, { maxLength: 4 }), (list) => {
        const snapshot: ClusterSnapshot = { ingresses: list, services, secrets, ingressClasses: classes };
        const once = translateIngresses(snapshot, options);
        const text = toStableJson(once);
        assert.equal(toStableJson(translateIngresses(snapshot, options)), text);
        assert.equal(toStableJson(mergeResults(once)), text);
        assert.equal(toStableJson(mergeResults(once, once)), text);
      }),
      { numRuns: 80 },
    );
  });

  it('never throws on arbitrary objects in any field', () => {
    const anyIngress = fc.oneof(
      fc.anything(),
      fc.record({
        metadata: fc.oneof(
          fc.anything(),
          fc.record({ name: fc.anything(), namespace: fc.anything(), annotations: fc.anything(), creationTimestamp: fc.anything() }),
        ),
        spec: fc.oneof(
          fc.anything(),
          fc.record({
            ingressClassName: fc.anything(),
            defaultBackend: fc.anything(),
            tls: fc.oneof(fc.anything(), fc.array(fc.record({ hosts: fc.anything(), secretName: fc.anything() }))),
            rules: fc.oneof(
              fc.anything(),
              fc.array(
                fc.record({
                  host: fc.anything(),
                  http: fc.oneof(
                    fc.anything(),
                    fc.record({
                      paths: fc.oneof(
                        fc.anything(),
                        fc.array(fc.record({ path: fc.anything(), pathType: fc.anything(), backend: fc.anything() })),
                      ),
                    }),
                  ),
                }),
              ),
            ),
          }),
        ),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(anyIngress, { maxLength: 4 }),
        fc.array(fc.anything(), { maxLength: 3 }),
        fc.array(fc.anything(), { maxLength: 2 }),
        fc.array(fc.anything(), { maxLength: 2 }),
        (list, serviceList, classList, secretList) => {
          const snapshot = {
            ingresses: list,
            services: serviceList,
            ingressClasses: classList,
            secrets: secretList,
          } as unknown as ClusterSnapshot;
          toStableJson(translateIngresses(snapshot, { ...options, assumeClassesWhenAbsent: true }));
        },
      ),
      { numRuns: 300 },
    );
  });
});
