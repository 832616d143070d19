import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSeedPki, tlsSecret } from '@kupstream/test-pki';
import {
  mergeResults,
  toStableJson,
  translateAgentEndpoints,
  type AgentEndpoint,
  type ClusterSnapshot,
  type Secret,
} from '../src/index.js';

const options = { now: () => new Date('2026-06-01T00:00:00Z') };

const urls = [
  'https://example-hostname.ngrok.io',
  'https://a.example.com',
  'example.org',
  'tcp://1.tcp.ngrok.io:1234',
  'tls://t.example.com',
  'https://',
  'ftp://x',
  'https://x/p',
  '',
];
const upstreamUrls = [
  'https://my-service.my-namespace:8443',
  '8080',
  'http://web.default:80',
  'tls://db:5432',
  'tcp://',
  'custom://x',
  'https://',
];

/** AgentEndpoints drawn from a small vocabulary, so names, URLs and Secrets collide often. */
const agentEndpoint: fc.Arbitrary<AgentEndpoint> = fc.record(
  {
    apiVersion: fc.constant('ngrok.k8s.ngrok.com/v1alpha1'),
    kind: fc.constant('AgentEndpoint'),
    metadata: fc.record(
      {
        name: fc.constantFrom('a', 'b', 'c', 'd'),
        namespace: fc.constantFrom('default', 'apps'),
        creationTimestamp: fc.constantFrom('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'),
        generation: fc.nat(5),
      },
      { requiredKeys: ['name'] },
    ),
    spec: fc.record(
      {
        url: fc.constantFrom(...urls),
        upstream: fc.record(
          {
            url: fc.constantFrom(...upstreamUrls),
            protocol: fc.constantFrom('http1', 'http2', 'h3'),
            proxyProtocolVersion: fc.constantFrom('1', '2', '3'),
          },
          { requiredKeys: ['url'] },
        ),
        clientCertificateRefs: fc.array(
          fc.record({ name: fc.constantFrom('client-cert-secret', 'opaque', 'missing') }, { requiredKeys: [] }),
          { maxLength: 2 },
        ),
        bindings: fc.constantFrom(['public'], ['internal'], ['public', 'internal']),
        trafficPolicy: fc.constantFrom({ inline: { on_http_request: [] } }, { targetRef: { name: 'p' } }, {}),
        description: fc.constantFrom('x', 'y'),
        metadata: fc.constantFrom({ k: 'v' }, '{"k":"v"}', '{'),
      },
      { requiredKeys: ['url', 'upstream'] },
    ),
  },
  { requiredKeys: ['metadata', 'spec'] },
);

/** Anything at all in every field. */
const arbitraryAgentEndpoint = fc.oneof(
  fc.anything(),
  fc.record({
    metadata: fc.oneof(
      fc.anything(),
      fc.record({ name: fc.anything(), namespace: fc.anything(), generation: fc.anything(), creationTimestamp: fc.anything() }),
    ),
    spec: fc.oneof(
      fc.anything(),
      fc.record({
        url: fc.anything(),
        upstream: fc.oneof(fc.anything(), fc.record({ url: fc.anything(), protocol: fc.anything(), proxyProtocolVersion: fc.anything() })),
        clientCertificateRefs: fc.anything(),
        bindings: fc.anything(),
        trafficPolicy: fc.oneof(fc.anything(), fc.record({ inline: fc.anything(), targetRef: fc.anything() })),
        description: fc.anything(),
        metadata: fc.anything(),
        tlsTermination: fc.oneof(fc.anything(), fc.record({ serverCertificateRef: fc.anything(), mutualTLS: fc.anything() })),
      }),
    ),
  }),
);

function shuffled<T>(items: readonly T[]): fc.Arbitrary<T[]> {
  return fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });
}

describe('translateAgentEndpoints properties', () => {
  let secrets: Secret[];
  before(async () => {
    const pki = await createSeedPki({ notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') });
    secrets = [
      tlsSecret('client-cert-secret', pki.client),
      tlsSecret('client-cert-secret', pki.client, 'apps'),
      { ...tlsSecret('opaque', pki.client), type: 'Opaque' },
      // A duplicate with other content: the canonical order must pick the same one every time.
      tlsSecret('client-cert-secret', { certPem: pki.server.certPem, keyPem: pki.server.keyPem }, 'apps'),
    ];
  });

  it('gives byte-identical output for any order of the input objects', () => {
    fc.assert(
      fc.property(
        fc.array(agentEndpoint, { maxLength: 6 }).chain((list) => fc.tuple(fc.constant(list), shuffled(list), shuffled(secrets))),
        ([list, reordered, reorderedSecrets]) => {
          const a = toStableJson(translateAgentEndpoints({ agentEndpoints: list, secrets }, options));
          const b = toStableJson(translateAgentEndpoints({ agentEndpoints: reordered, secrets: reorderedSecrets }, options));
          assert.equal(a, b);
          assert.doesNotMatch(a, /PRIVATE KEY/);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never throws on arbitrary objects in any field, and always says why it made nothing', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryAgentEndpoint, { maxLength: 4 }),
        fc.oneof(fc.constant(undefined), fc.array(fc.anything(), { maxLength: 3 })),
        (list, secretList) => {
          const snapshot = { agentEndpoints: list, secrets: secretList } as unknown as ClusterSnapshot;
          const result = translateAgentEndpoints(snapshot, options);
          toStableJson(result);
          const objects = list.filter((o) => typeof o === 'object' && o !== null && !Array.isArray(o));
          // Every object is accounted for: a status, or a diagnostic.
          if (objects.length > 0) assert.ok(result.statuses.length + result.diagnostics.length > 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is idempotent: translating again, or merging the result with itself, changes nothing', () => {
    fc.assert(
      fc.property(fc.array(agentEndpoint, { maxLength: 5 }), (list) => {
        const snapshot: ClusterSnapshot = { agentEndpoints: list, secrets };
        const once = translateAgentEndpoints(snapshot, options);
        const text = toStableJson(once);
        assert.equal(toStableJson(translateAgentEndpoints(snapshot, options)), text);
        assert.equal(toStableJson(mergeResults(once)), text);
        assert.equal(toStableJson(mergeResults(once, once)), toStableJson(mergeResults(once)));
      }),
      { numRuns: 100 },
    );
  });
});
