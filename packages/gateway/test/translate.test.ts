import assert from 'node:assert/strict';
import { toStableJson, type ClusterSnapshot } from '@kupstream/core';
import { checkCaBundle } from '@kupstream/core/building-blocks';
import { createCa, issue, tlsSecret } from '@kupstream/test-pki';
import { SUPPORTED_FEATURES, translateGatewayApi } from '../src/index.js';

const now = new Date('2026-06-01T00:00:00Z');
const validity = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') };

function seedLike(extra: Partial<ClusterSnapshot> = {}, gatewaySpec: Record<string, unknown> = {}): ClusterSnapshot {
  return {
    gateways: [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: 'default', generation: 2 },
        spec: {
          gatewayClassName: 'ngrok',
          listeners: [{ name: 'web', hostname: 'app.example.com', port: 443, protocol: 'HTTPS' }],
          ...gatewaySpec,
        },
      },
    ],
    httpRoutes: [
      {
        metadata: { name: 'route', namespace: 'default' },
        spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc', port: 443 }] }] },
      },
    ],
    services: [
      {
        metadata: { name: 'svc', namespace: 'default', annotations: { 'k8s.ngrok.com/app-protocols': '{"https":"HTTPS"}' } },
        spec: { ports: [{ name: 'https', port: 443 }] },
      },
    ],
    ...extra,
  };
}

describe('translateGatewayApi', () => {
  it('takes GatewayClasses by the configured controllerName', () => {
    const snapshot = seedLike({ gatewayClasses: [{ metadata: { name: 'ngrok' }, spec: { controllerName: 'example.com/mine' } }] });
    const mine = translateGatewayApi(snapshot, { now: () => now, controllerName: 'example.com/mine' });
    assert.equal(mine.endpoints.length, 1);
    const route = mine.statuses.find((s) => s.kind === 'HTTPRoute');
    assert.equal((route?.status as { parents: { controllerName: string }[] }).parents[0]?.controllerName, 'example.com/mine');
    const other = translateGatewayApi(snapshot, { now: () => now });
    assert.equal(other.endpoints.length, 0);
    assert.equal(other.statuses.length, 0);
  });

  it('lists the supported features, sorted and unique, on our accepted GatewayClasses only', () => {
    const classes = [
      { metadata: { name: 'ngrok' }, spec: { controllerName: 'example.com/mine' } },
      {
        metadata: { name: 'with-params' },
        spec: { controllerName: 'example.com/mine', parametersRef: { group: '', kind: 'ConfigMap', name: 'x' } },
      },
    ];
    const result = translateGatewayApi(seedLike({ gatewayClasses: classes }), { now: () => now, controllerName: 'example.com/mine' });
    const featuresOf = (name: string) =>
      (result.statuses.find((s) => s.kind === 'GatewayClass' && s.name === name)?.status as { supportedFeatures?: { name: string }[] })
        .supportedFeatures;
    const names = featuresOf('ngrok')?.map((f) => f.name) ?? [];
    assert.deepEqual(names, [...SUPPORTED_FEATURES]);
    assert.deepEqual([...names].sort(), names);
    assert.equal(new Set(names).size, names.length);
    for (const feature of ['Gateway', 'HTTPRoute', 'HTTPRouteRequestTimeout', 'HTTPRouteRetry', 'HTTPRouteCORS', 'HTTPRouteRequestMirror'])
      assert.ok(names.includes(feature), feature);
    assert.equal(featuresOf('with-params'), undefined);
  });

  it('assumes classes only when asked to and when no GatewayClass is given', () => {
    const off = translateGatewayApi(seedLike(), { now: () => now });
    assert.equal(off.endpoints.length, 0);
    assert.ok(off.diagnostics.some((d) => d.code === 'GatewayNotOurs'));
    const on = translateGatewayApi(seedLike(), { now: () => now, assumeClassesWhenAbsent: true });
    assert.equal(on.endpoints.length, 1);
    assert.ok(on.diagnostics.some((d) => d.code === 'GatewayClassAssumed' && d.severity === 'info'));
  });

  it('stamps conditions with the object generation and options.now()', () => {
    const result = translateGatewayApi(seedLike(), { now: () => new Date('2030-01-02T03:04:05.678Z'), assumeClassesWhenAbsent: true });
    const gateway = result.statuses.find((s) => s.kind === 'Gateway')!;
    const conditions = (gateway.status as { conditions: { observedGeneration: number; lastTransitionTime: string }[] }).conditions;
    assert.ok(conditions.every((c) => c.observedGeneration === 2 && c.lastTransitionTime === '2030-01-02T03:04:05Z'));
  });

  it('puts the client certificate PEM in result.credentials and only facts in the model', async () => {
    const ca = await createCa({ subject: 'CN=ExampleCA', ...validity });
    const client = await issue(ca, { subject: 'CN=ExampleClient', extendedKeyUsage: ['clientAuth'], ...validity });
    const result = translateGatewayApi(
      seedLike(
        { secrets: [tlsSecret('client-cert', client, 'default')] },
        { tls: { backend: { clientCertificateRef: { name: 'client-cert' } } } },
      ),
      { now: () => now, assumeClassesWhenAbsent: true },
    );
    const upstream = result.upstreams[0]!;
    assert.equal(upstream.tls?.clientCertificate?.subject, 'CN=ExampleClient');
    assert.equal(result.credentials.get({ namespace: 'default', name: 'client-cert' })?.keyPem, client.keyPem);
    assert.doesNotMatch(toStableJson(result), /PRIVATE KEY/);
    assert.deepEqual(Object.keys(result), ['endpoints', 'upstreams', 'statuses', 'diagnostics']);
  });

  it('warns when the client certificate expires within 30 days, and still uses it', async () => {
    const ca = await createCa({ subject: 'CN=ExampleCA', ...validity });
    const client = await issue(ca, {
      subject: 'CN=Soon',
      extendedKeyUsage: ['clientAuth'],
      notBefore: validity.notBefore,
      notAfter: new Date('2026-06-10T00:00:00Z'),
    });
    const result = translateGatewayApi(
      seedLike(
        { secrets: [tlsSecret('client-cert', client, 'default')] },
        { backendTLS: { clientCertificateRef: { name: 'client-cert' } } },
      ),
      { now: () => now, assumeClassesWhenAbsent: true },
    );
    assert.ok(
      result.diagnostics.some(
        (d) => d.code === 'CertificateExpiresSoon' && d.severity === 'warning' && d.field === 'spec.backendTLS.clientCertificateRef',
      ),
    );
    assert.equal(result.upstreams[0]?.unavailable, undefined);
    assert.equal(result.upstreams[0]?.tls?.clientCertificate?.subject, 'CN=Soon');
  });

  it('fails closed: an unresolvable client certificate leaves the TLS upstream unavailable and the store empty', () => {
    const result = translateGatewayApi(seedLike({}, { tls: { backend: { clientCertificateRef: { name: 'missing' } } } }), {
      now: () => now,
      assumeClassesWhenAbsent: true,
    });
    const upstream = result.upstreams[0]!;
    assert.equal(upstream.unavailable?.code, 'InvalidClientCertificateRef');
    assert.equal(upstream.tls?.clientCertificate, undefined);
    assert.deepEqual(result.credentials.summary().clients, []);
    const gateway = result.statuses.find((s) => s.kind === 'Gateway')!;
    const conditions = (gateway.status as { conditions: { type: string; status: string; reason: string }[] }).conditions;
    assert.deepEqual(
      conditions.map((c) => `${c.type}=${c.status}/${c.reason}`),
      ['Accepted=True/Accepted', 'Programmed=True/Programmed', 'ResolvedRefs=False/InvalidClientCertificateRef'],
    );
  });

  it('verifies with a CA bundle from a ConfigMap and hands the bundle to the credential store by digest', async () => {
    const ca = await createCa({ subject: 'CN=BackendCA', ...validity });
    const result = translateGatewayApi(
      seedLike({
        configMaps: [{ metadata: { name: 'backend-ca', namespace: 'default' }, data: { 'ca.crt': ca.certPem } }],
        backendTLSPolicies: [
          {
            apiVersion: 'gateway.networking.k8s.io/v1',
            kind: 'BackendTLSPolicy',
            metadata: { name: 'verify', namespace: 'default' },
            spec: {
              targetRefs: [{ group: '', kind: 'Service', name: 'svc', sectionName: 'https' }],
              validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }], hostname: 'svc.internal' },
            },
          },
        ],
      }),
      { now: () => now, assumeClassesWhenAbsent: true },
    );
    const tls = result.upstreams[0]?.tls;
    const digest = checkCaBundle(ca.certPem, now).sha256!;
    assert.deepEqual(tls?.verification, {
      mode: 'ca',
      caSha256: digest,
      hostname: 'svc.internal',
      source: { kind: 'BackendTLSPolicy', namespace: 'default', name: 'verify' },
    });
    assert.equal(tls?.serverName, 'svc.internal');
    assert.equal(result.credentials.getCaBundle(digest), checkCaBundle(ca.certPem, now).pem);
    assert.ok(!result.diagnostics.some((d) => d.code === 'UpstreamNotVerified'));
  });

  it('warns when the CA ConfigMap or Secret also holds a private key, without quoting it', async () => {
    const ca = await createCa({ subject: 'CN=BackendCA', ...validity });
    const policy = (kind: 'ConfigMap' | 'Secret') => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name: 'verify', namespace: 'default' },
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'svc', sectionName: 'https' }],
        validation: { caCertificateRefs: [{ group: '', kind, name: 'backend-ca' }], hostname: 'svc.internal' },
      },
    });
    const fromConfigMap = translateGatewayApi(
      seedLike({
        configMaps: [{ metadata: { name: 'backend-ca', namespace: 'default' }, data: { 'ca.crt': ca.certPem, 'ca.key': ca.keyPem } }],
        backendTLSPolicies: [policy('ConfigMap')],
      }),
      { now: () => now, assumeClassesWhenAbsent: true },
    );
    const fromSecret = translateGatewayApi(
      seedLike({
        secrets: [
          ...(seedLike().secrets ?? []),
          {
            metadata: { name: 'backend-ca', namespace: 'default' },
            data: { 'ca.crt': Buffer.from(ca.certPem).toString('base64'), 'tls.key': Buffer.from(ca.keyPem).toString('base64') },
          },
        ],
        backendTLSPolicies: [policy('Secret')],
      }),
      { now: () => now, assumeClassesWhenAbsent: true },
    );
    for (const [result, key] of [
      [fromConfigMap, 'ca.key'],
      [fromSecret, 'tls.key'],
    ] as const) {
      const warning = result.diagnostics.find((d) => d.code === 'CACertificateRefHoldsPrivateKey');
      assert.equal(warning?.severity, 'warning');
      assert.match(warning?.message ?? '', new RegExp(`holds a private key \\("${key.replace('.', '\\.')}"\\)`));
      assert.equal(warning?.field, 'spec.validation.caCertificateRefs[0]');
      assert.doesNotMatch(toStableJson(result), /PRIVATE KEY/);
      assert.equal(result.upstreams[0]?.tls?.verification.mode, 'ca');
    }
  });

  it('uses the cluster domain for upstream hosts', () => {
    const result = translateGatewayApi(seedLike(), { now: () => now, assumeClassesWhenAbsent: true, clusterDomain: 'corp.internal' });
    assert.equal(result.upstreams[0]?.url, 'https://svc.default.svc.corp.internal:443');
  });

  it('does not mutate frozen input', () => {
    const snapshot = seedLike();
    const freeze = (value: unknown): unknown => {
      if (typeof value === 'object' && value !== null) {
        Object.values(value).forEach(freeze);
        Object.freeze(value);
      }
      return value;
    };
    freeze(snapshot);
    assert.equal(translateGatewayApi(snapshot, { now: () => now, assumeClassesWhenAbsent: true }).endpoints.length, 1);
  });
});
