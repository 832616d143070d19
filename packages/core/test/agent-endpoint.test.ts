import assert from 'node:assert/strict';
import { createSeedPki, tlsSecret } from '@kupstream/test-pki';
import {
  containsPrivateKey,
  toStableJson,
  translateAgentEndpoints,
  type AgentEndpoint,
  type ClusterSnapshot,
  type Secret,
} from '../src/index.js';

const now = () => new Date('2026-06-01T00:00:00Z');

function seedEndpoint(overrides: Partial<NonNullable<AgentEndpoint['spec']>> = {}): AgentEndpoint {
  return {
    apiVersion: 'ngrok.k8s.ngrok.com/v1alpha1',
    kind: 'AgentEndpoint',
    metadata: { name: 'example-agent-endpoint' },
    spec: {
      url: 'https://example-hostname.ngrok.io',
      upstream: { url: 'https://my-service.my-namespace:8443' },
      clientCertificateRefs: [{ name: 'client-cert-secret', namespace: 'default' }],
      ...overrides,
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

describe('translateAgentEndpoints', () => {
  let secret: Secret;
  let pki: Awaited<ReturnType<typeof createSeedPki>>;
  before(async () => {
    pki = await createSeedPki({ notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') });
    secret = tlsSecret('client-cert-secret', pki.client);
  });

  it('translates the seed AgentEndpoint: mTLS upstream, PEM only in credentials', () => {
    const result = translateAgentEndpoints({ agentEndpoints: [seedEndpoint()], secrets: [secret] }, { now });
    const [endpoint] = result.endpoints;
    const [upstream] = result.upstreams;
    assert.equal(endpoint?.url, 'https://example-hostname.ngrok.io');
    assert.equal(endpoint?.routes[0]?.backends[0]?.upstream, upstream?.name);
    assert.equal(upstream?.url, 'https://my-service.my-namespace:8443');
    assert.equal(upstream?.tls?.serverName, 'my-service.my-namespace');
    assert.deepEqual(upstream?.tls?.verification, { mode: 'none' });
    assert.deepEqual(upstream?.tls?.clientCertificate?.secret, { namespace: 'default', name: 'client-cert-secret' });
    assert.equal(upstream?.tls?.clientCertificate?.subject, 'CN=ExampleClient');
    assert.equal(upstream?.unavailable, undefined);
    assert.ok(result.diagnostics.some((d) => d.code === 'UpstreamNotVerified' && d.severity === 'warning'));

    const stored = result.credentials.get({ namespace: 'default', name: 'client-cert-secret' });
    assert.equal(stored?.keyPem, pki.client.keyPem);
    assert.equal(stored?.certChainPem, pki.client.certPem);
    const json = toStableJson(result);
    assert.equal(containsPrivateKey(json), false);
    assert.doesNotMatch(json, /PRIVATE KEY/);
    assert.doesNotMatch(JSON.stringify(result), /PRIVATE KEY/);
  });

  it('reads a Secret written with stringData', () => {
    const viaStringData: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'client-cert-secret' },
      type: 'kubernetes.io/tls',
      stringData: { 'tls.crt': pki.client.certPem, 'tls.key': pki.client.keyPem },
    };
    const result = translateAgentEndpoints({ agentEndpoints: [seedEndpoint()], secrets: [viaStringData] }, { now });
    assert.equal(result.upstreams[0]?.tls?.clientCertificate?.subject, 'CN=ExampleClient');
  });

  it('fails closed: an unusable client certificate marks the upstream unavailable and stores nothing', () => {
    const wrongKey = tlsSecret('client-cert-secret', { certPem: pki.client.certPem, keyPem: pki.server.keyPem });
    const result = translateAgentEndpoints({ agentEndpoints: [seedEndpoint()], secrets: [wrongKey] }, { now });
    const [upstream] = result.upstreams;
    assert.equal(upstream?.unavailable?.code, 'PrivateKeyMismatch');
    assert.equal(upstream?.tls?.clientCertificate, undefined);
    assert.equal(result.credentials.get({ namespace: 'default', name: 'client-cert-secret' }), undefined);
    const conditions = (result.statuses[0]?.status.conditions ?? []) as { type: string; status: string; reason: string }[];
    assert.deepEqual(
      conditions.map((c) => [c.type, c.status, c.reason]),
      [
        ['Ready', 'False', 'ConfigurationError'],
        ['EndpointCreated', 'False', 'ConfigurationError'],
      ],
    );
    assert.doesNotMatch(toStableJson(result), /PRIVATE KEY/);
  });

  it('carries proxyProtocolVersion to the upstream', () => {
    const result = translateAgentEndpoints(
      {
        agentEndpoints: [seedEndpoint({ upstream: { url: 'https://my-service.my-namespace:8443', proxyProtocolVersion: '2' } })],
        secrets: [secret],
      },
      { now },
    );
    assert.equal(result.upstreams[0]?.proxyProtocolVersion, 2);
  });

  it('uses options.now for condition times and certificate validity', () => {
    const later = translateAgentEndpoints(
      { agentEndpoints: [seedEndpoint()], secrets: [secret] },
      { now: () => new Date('2027-02-01T00:00:00Z') },
    );
    assert.equal(later.upstreams[0]?.unavailable?.code, 'CertificateExpired');
    const conditions = later.statuses[0]?.status.conditions as { lastTransitionTime: string }[];
    assert.equal(conditions[0]?.lastTransitionTime, '2027-02-01T00:00:00Z');
  });

  it('does not mutate its input and gives the same output twice', () => {
    const snapshot: ClusterSnapshot = deepFreeze({
      agentEndpoints: [seedEndpoint({ metadata: { a: 'b' }, trafficPolicy: { inline: { on_http_request: [] } } })],
      secrets: [secret],
    });
    const first = toStableJson(translateAgentEndpoints(snapshot, { now }));
    const second = toStableJson(translateAgentEndpoints(snapshot, { now }));
    assert.equal(first, second);
  });

  it('does not share objects between output and input', () => {
    const inline = { on_http_request: [{ actions: [{ type: 'deny' }] }] };
    const result = translateAgentEndpoints({ agentEndpoints: [seedEndpoint({ trafficPolicy: { inline } })], secrets: [secret] }, { now });
    const policy = result.endpoints[0]?.trafficPolicy as { inline: unknown };
    assert.deepEqual(policy.inline, inline);
    assert.notEqual(policy.inline, inline);
  });

  it('takes the default namespace from the options', () => {
    const namespaced = tlsSecret('client-cert-secret', pki.client, 'apps');
    const endpoint = seedEndpoint({ clientCertificateRefs: [{ name: 'client-cert-secret' }] });
    const result = translateAgentEndpoints({ agentEndpoints: [endpoint], secrets: [namespaced] }, { now, defaultNamespace: 'apps' });
    assert.deepEqual(result.endpoints[0]?.sources, [{ kind: 'AgentEndpoint', namespace: 'apps', name: 'example-agent-endpoint' }]);
    assert.deepEqual(result.upstreams[0]?.tls?.clientCertificate?.secret, { namespace: 'apps', name: 'client-cert-secret' });
  });

  it('tolerates a missing or empty snapshot', () => {
    assert.deepEqual(JSON.parse(toStableJson(translateAgentEndpoints({}))), {
      endpoints: [],
      upstreams: [],
      statuses: [],
      diagnostics: [],
    });
    const odd = translateAgentEndpoints({ agentEndpoints: [null, 7, 'x'] as unknown as AgentEndpoint[] }, { now });
    assert.deepEqual(
      odd.diagnostics.map((d) => d.code),
      ['ObjectMalformed'],
    );
  });
});
