import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSeedPki, tlsSecret } from '@kupstream/test-pki';
import {
  CredentialStore,
  mergeResults,
  toStableJson,
  translateAgentEndpoints,
  type Endpoint,
  type ResourceStatus,
  type TranslationResult,
  type Upstream,
} from '../src/index.js';
import { createTranslationResult, endpointUrlKey, makeCondition } from '../src/building-blocks.js';

const now = new Date('2026-06-01T00:00:00Z');

function httpUpstream(name: string, host: string, port = 80): Upstream {
  return { name, url: `http://${host}:${port}`, protocol: 'http1' };
}

function endpoint(
  url: string,
  source: { kind: string; namespace: string; name: string; section?: string },
  upstream: string,
  createdAt?: string,
): Endpoint {
  return {
    name: `${source.kind.toLowerCase()}/${source.namespace}/${source.name}/${url}`,
    url,
    sources: [source],
    routes: [{ name: `${source.name}/route`, matches: [], backends: [{ upstream, weight: 1 }] }],
    ...(createdAt ? { createdAt } : {}),
  };
}

/** What the Ingress translator emits for an Ingress to web:80 (no conditions in Ingress status). */
function ingressResult(host: string, name: string, createdAt?: string): TranslationResult {
  const upstream = httpUpstream('default/web:80', 'web.default');
  return createTranslationResult({
    endpoints: [endpoint(`https://${host}`, { kind: 'Ingress', namespace: 'default', name }, upstream.name, createdAt)],
    upstreams: [upstream],
    statuses: [{ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: 'default', name, status: { loadBalancer: {} } }],
    diagnostics: [],
  });
}

/** A Gateway-shaped result: the listener carries conditions (set at `conditionsAt`; translated at `translatedAt`). */
function gatewayResult(host: string, upstream: Upstream, conditionsAt = now, translatedAt = now): TranslationResult {
  const source = { kind: 'Gateway', namespace: 'default', name: 'example-gateway', section: 'example' };
  const status: ResourceStatus = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    namespace: 'default',
    name: 'example-gateway',
    status: {
      conditions: [makeCondition('Accepted', true, 'Accepted', '', 1, conditionsAt)],
      listeners: [{ name: 'example', attachedRoutes: 1, conditions: [makeCondition('Accepted', true, 'Accepted', '', 1, conditionsAt)] }],
    },
  };
  return createTranslationResult(
    {
      endpoints: [endpoint(`https://${host}`, source, upstream.name)],
      upstreams: [upstream],
      statuses: [status],
      diagnostics: [],
    },
    new CredentialStore(),
    translatedAt,
  );
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('mergeResults', () => {
  it('concatenates results and merges their credential stores', async () => {
    const pki = await createSeedPki({ notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') });
    const agent = translateAgentEndpoints(
      {
        agentEndpoints: [
          {
            metadata: { name: 'aep' },
            spec: {
              url: 'https://agent.example.com',
              upstream: { url: 'https://my-service.my-namespace:8443' },
              clientCertificateRefs: [{ name: 'client-cert-secret' }],
            },
          },
        ],
        secrets: [tlsSecret('client-cert-secret', pki.client)],
      },
      { now: () => now },
    );
    const merged = mergeResults(ingressResult('ingress.example.com', 'web'), agent);
    assert.deepEqual(
      merged.endpoints.map((e) => e.url),
      ['https://agent.example.com', 'https://ingress.example.com'],
    );
    assert.equal(merged.upstreams.length, 2);
    assert.equal(merged.credentials.get({ namespace: 'default', name: 'client-cert-secret' })?.keyPem, pki.client.keyPem);
    assert.doesNotMatch(toStableJson(merged), /PRIVATE KEY/);
    assert.equal(Object.keys(merged).includes('credentials'), false);
  });

  it('gives a URL claimed twice to the oldest source; the loser gets a diagnostic', () => {
    const older = ingressResult('shared.example.com', 'zzz', '2026-01-01T00:00:00Z');
    const newer = ingressResult('shared.example.com', 'aaa', '2026-03-01T00:00:00Z');
    const merged = mergeResults(newer, older);
    assert.equal(merged.endpoints.length, 1);
    assert.equal(merged.endpoints[0]?.sources[0]?.name, 'zzz');
    const [diagnostic] = merged.diagnostics;
    assert.equal(diagnostic?.code, 'EndpointConflict');
    assert.equal(diagnostic?.resource.name, 'aaa');
    assert.match(diagnostic?.message ?? '', /Ingress default\/zzz, which is older/);
  });

  it('without creation times, namespace/name decides', () => {
    const merged = mergeResults(ingressResult('shared.example.com', 'bbb'), ingressResult('shared.example.com', 'aaa'));
    assert.equal(merged.endpoints[0]?.sources[0]?.name, 'aaa');
    assert.match(merged.diagnostics[0]?.message ?? '', /first by namespace\/name/);
  });

  it('treats default ports and letter case as the same URL', () => {
    assert.equal(endpointUrlKey('https://Example.com:443'), endpointUrlKey('https://example.com'));
    assert.equal(endpointUrlKey('tls://x:443'), 'tls://x');
    assert.equal(endpointUrlKey('http://x:8080'), 'http://x:8080');
    assert.equal(endpointUrlKey('https://'), undefined);
    const merged = mergeResults(
      ingressResult('Example.com', 'a'),
      createTranslationResult({
        ...ingressResult('example.com', 'b'),
        endpoints: [endpoint('https://example.com:443', { kind: 'Ingress', namespace: 'default', name: 'b' }, 'default/web:80')],
      }),
    );
    assert.equal(merged.endpoints.length, 1);
  });

  it('marks a losing AgentEndpoint Conflicted and not Ready', () => {
    const agent = translateAgentEndpoints(
      {
        agentEndpoints: [
          {
            metadata: { name: 'late', creationTimestamp: '2026-05-01T00:00:00Z' },
            spec: { url: 'https://shared.example.com', upstream: { url: '8080' } },
          },
        ],
      },
      { now: () => now },
    );
    const merged = mergeResults(agent, ingressResult('shared.example.com', 'early', '2026-01-01T00:00:00Z'));
    assert.deepEqual(
      merged.endpoints.map((e) => e.sources[0]?.kind),
      ['Ingress'],
    );
    // The AgentEndpoint's upstream was only used by the dropped endpoint.
    assert.deepEqual(
      merged.upstreams.map((u) => u.name),
      ['default/web:80'],
    );
    const status = merged.statuses.find((s) => s.kind === 'AgentEndpoint');
    const conditions = status?.status.conditions as { type: string; status: string; reason: string; lastTransitionTime: string }[];
    assert.deepEqual(
      conditions.map((c) => [c.type, c.status, c.reason]),
      [
        ['Ready', 'False', 'HostnameConflict'],
        ['EndpointCreated', 'False', 'HostnameConflict'],
        ['Conflicted', 'True', 'HostnameConflict'],
      ],
    );
    assert.equal(conditions[2]?.lastTransitionTime, '2026-06-01T00:00:00Z');
    // The input result is untouched.
    assert.equal((agent.statuses[0]?.status.conditions as { status: string }[])[0]?.status, 'True');
  });

  it('marks the losing Gateway listener Conflicted', () => {
    const gateway = gatewayResult('shared.example.com', httpUpstream('default/web:80', 'web.default'));
    const merged = mergeResults(gateway, ingressResult('shared.example.com', 'early', '2026-01-01T00:00:00Z'));
    const status = merged.statuses.find((s) => s.kind === 'Gateway')!.status as {
      conditions: { type: string }[];
      listeners: { conditions: { type: string; reason: string }[] }[];
    };
    assert.deepEqual(
      status.listeners[0]?.conditions.map((c) => c.type),
      ['Accepted', 'Conflicted'],
    );
    assert.equal(status.listeners[0]?.conditions[1]?.reason, 'HostnameConflict');
    assert.deepEqual(
      status.conditions.map((c) => c.type),
      ['Accepted'],
    );
    assert.equal(merged.diagnostics[0]?.field, 'spec.listeners');
  });

  it('stamps a new Conflicted condition with the translation time, not with older times the statuses kept', () => {
    // After a status write-back every condition keeps its first transition time: the
    // statuses alone say nothing of when this translation ran.
    const writtenBack = new Date('2026-01-15T08:00:00Z');
    const later = new Date('2026-03-02T12:30:00Z');
    const gateway = gatewayResult('shared.example.com', httpUpstream('default/web:80', 'web.default'), writtenBack, later);
    const merged = mergeResults(gateway, ingressResult('shared.example.com', 'early', '2026-01-01T00:00:00Z'));
    const listener = (
      merged.statuses.find((s) => s.kind === 'Gateway')!.status as { listeners: { conditions: Record<string, unknown>[] }[] }
    ).listeners[0]!;
    const conflicted = listener.conditions.find((c) => c.type === 'Conflicted');
    assert.equal(conflicted?.lastTransitionTime, '2026-03-02T12:30:00Z');
    assert.equal(listener.conditions.find((c) => c.type === 'Accepted')?.lastTransitionTime, '2026-01-15T08:00:00Z');
    assert.equal(merged.translatedAt?.toISOString(), later.toISOString());
    assert.ok(!Object.keys(merged).includes('translatedAt'), 'the time stays out of the JSON');
  });

  it('shares upstreams with identical definitions under the smallest name', () => {
    const a = createTranslationResult({
      endpoints: [endpoint('https://a.example.com', { kind: 'X', namespace: 'n', name: 'a' }, 'zeta')],
      upstreams: [httpUpstream('zeta', 'web.default')],
      statuses: [],
      diagnostics: [],
    });
    const b = createTranslationResult({
      endpoints: [endpoint('https://b.example.com', { kind: 'X', namespace: 'n', name: 'b' }, 'alpha')],
      upstreams: [httpUpstream('alpha', 'web.default')],
      statuses: [],
      diagnostics: [],
    });
    const merged = mergeResults(a, b);
    assert.deepEqual(
      merged.upstreams.map((u) => u.name),
      ['alpha'],
    );
    assert.deepEqual(
      merged.endpoints.map((e) => e.routes[0]?.backends[0]?.upstream),
      ['alpha', 'alpha'],
    );
  });

  it('tells apart different upstreams that share a name', () => {
    const a = createTranslationResult({
      endpoints: [endpoint('https://a.example.com', { kind: 'X', namespace: 'n', name: 'a' }, 'same')],
      upstreams: [httpUpstream('same', 'one.default')],
      statuses: [],
      diagnostics: [],
    });
    const b = createTranslationResult({
      endpoints: [endpoint('https://b.example.com', { kind: 'X', namespace: 'n', name: 'b' }, 'same')],
      upstreams: [httpUpstream('same', 'two.default')],
      statuses: [],
      diagnostics: [],
    });
    const merged = mergeResults(a, b);
    assert.equal(merged.upstreams.length, 2);
    const byName = new Map(merged.upstreams.map((u) => [u.name, u.url]));
    for (const e of merged.endpoints) {
      const target = byName.get(e.routes[0]!.backends[0]!.upstream);
      assert.equal(target, e.url === 'https://a.example.com' ? 'http://one.default:80' : 'http://two.default:80');
    }
    assert.ok(merged.upstreams.every((u) => /^same#[0-9a-f]{8}$/.test(u.name)));
  });

  it('does not mutate its inputs', () => {
    const a = deepFreeze(ingressResult('shared.example.com', 'a'));
    const b = deepFreeze(gatewayResult('shared.example.com', httpUpstream('gw', 'web.default')));
    assert.doesNotThrow(() => mergeResults(a, b));
  });

  it('is order independent, byte for byte', () => {
    const results = [
      ingressResult('shared.example.com', 'a', '2026-02-01T00:00:00Z'),
      ingressResult('shared.example.com', 'b'),
      ingressResult('other.example.com', 'c'),
      gatewayResult('shared.example.com', httpUpstream('default/web:80', 'web.default')),
      gatewayResult('gw.example.com', httpUpstream('default/web:80', 'other.default')),
      createTranslationResult(
        {
          endpoints: [],
          upstreams: [],
          statuses: [],
          diagnostics: [{ severity: 'info', code: 'X', message: 'm', resource: { kind: 'K', name: 'n' } }],
        },
        new CredentialStore(),
      ),
    ];
    const expected = toStableJson(mergeResults(...results));
    fc.assert(
      fc.property(fc.shuffledSubarray(results, { minLength: results.length, maxLength: results.length }), (order) => {
        assert.equal(toStableJson(mergeResults(...order)), expected);
      }),
      { numRuns: 60 },
    );
  });

  it('tolerates garbage in place of results', () => {
    const odd = [null, 3, { endpoints: 'x', upstreams: [null], statuses: {}, diagnostics: [1] }] as unknown as TranslationResult[];
    const merged = mergeResults(...odd, ingressResult('a.example.com', 'a'));
    assert.equal(merged.endpoints.length, 1);
  });
});
