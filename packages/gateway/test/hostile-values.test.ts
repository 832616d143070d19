// Values whose toString is not callable (`[{ toString: 0 }]` parses from JSON) throw
// when a message interpolates them with String() or a template; the 10,000-case fuzz
// run found two such places. Pinned here so they stay fixed.
import assert from 'node:assert/strict';
import { toStableJson, type ClusterSnapshot } from '@kupstream/core';
import { readFilters } from '../src/filters.js';
import { translateGatewayApi } from '../src/index.js';

const hostile = [{ toString: 0 }];

function snapshot(): ClusterSnapshot {
  return JSON.parse(
    JSON.stringify({
      gateways: [
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'Gateway',
          metadata: { name: 'gw', namespace: 'default' },
          spec: { gatewayClassName: 'ngrok', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
        },
      ],
      httpRoutes: [
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: 'r', namespace: 'default' },
          spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc', port: 443 }] }] },
        },
      ],
      services: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'svc', namespace: 'default' },
          spec: { ports: [{ name: 'https', port: hostile }] },
        },
      ],
      backendTLSPolicies: [
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'BackendTLSPolicy',
          metadata: { name: 'p', namespace: 'default' },
          spec: {
            targetRefs: [{ group: '', kind: hostile, name: 'svc' }],
            validation: { hostname: 'svc.example.com', caCertificateRefs: [{ group: '', kind: hostile, name: 'ca' }] },
          },
        },
      ],
    }),
  ) as ClusterSnapshot;
}

describe('hostile values in fields that messages quote', () => {
  it('reports a BackendTLSPolicy kind and a Service port whose toString is not callable instead of throwing', () => {
    const result = translateGatewayApi(snapshot(), { assumeClassesWhenAbsent: true, now: () => new Date('2026-06-01T00:00:00Z') });
    const json = toStableJson(result);
    assert.match(json, /CACertificateRefInvalidKind/);
    assert.match(json, /BackendTLSPolicyTargetInvalid/);
    const messages = result.diagnostics.map((d) => d.message).join('\n');
    assert.match(messages, /has no port 443 \(ports: https:\[\{"toString":0\}\]\)/);
  });
});

describe('filter values that end up on the wire', () => {
  const prefix = [{ path: { type: 'PathPrefix' as const, value: '/a' } }];
  const header = (name: string, value: string) => [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name, value }] } }];

  for (const [name, value, why] of [
    ['x-ok', 'a\r\nx-injected: 1', /not a valid header value/],
    ['x-ok', 'café ☃', /not a valid header value/],
    ['x-ok', ' padded', /not a valid header value/],
    ['bad name', 'v', /not a valid header name/],
    ['x:colon', 'v', /not a valid header name/],
    ['Transfer-Encoding', 'chunked', /frames the message/],
    ['content-length', '0', /frames the message/],
    ['x-kupstream-hop', 'x', /frames the message or belongs to one hop/],
  ] as const) {
    it(`refuses header ${JSON.stringify(name)}: ${JSON.stringify(value)} with a message naming the filter`, () => {
      const outcome = readFilters(header(name, value), prefix, 'spec.rules[0].filters');
      assert.equal(outcome.ok, false);
      assert.ok(!outcome.ok);
      assert.equal(outcome.field, 'spec.rules[0].filters[0]');
      assert.match(outcome.message, /^requestHeaderModifier set /);
      assert.match(outcome.message, why);
    });
  }

  it('refuses a remove entry that is not a token, and reserved names there too', () => {
    for (const name of ['a b', 'connection']) {
      const outcome = readFilters([{ type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: [name] } }], prefix, 'f');
      assert.equal(outcome.ok, false);
    }
  });

  it('percent-encodes UTF-8 in rewrite and redirect paths, and refuses what a path cannot carry', () => {
    const ok = readFilters(
      [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/café/☃' } } }],
      prefix,
      'f',
    );
    assert.deepEqual(ok.ok && ok.filters, [
      {
        type: 'RequestRedirect',
        requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/caf%C3%A9/%E2%98%83' }, statusCode: 302 },
      },
    ]);
    for (const path of ['/a b', '/a\r\nb', '/a?b', '/%zz', '/a\\b']) {
      const outcome = readFilters(
        [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: path } } }],
        prefix,
        'f',
      );
      assert.equal(outcome.ok, false, path);
    }
  });

  it('an HTTPRoute with a CRLF header value gets a RouteFilterInvalid diagnostic naming the filter', () => {
    const snap = JSON.parse(JSON.stringify(snapshot())) as ClusterSnapshot;
    const svc = snap.services![0] as { spec: { ports: unknown[] } };
    svc.spec.ports = [{ name: 'http', port: 443 }];
    const r = snap.httpRoutes![0] as { spec: { rules: Record<string, unknown>[] } };
    r.spec.rules[0]!.filters = header('x-a', 'v\r\nx-b: 1');
    const result = translateGatewayApi(snap, { assumeClassesWhenAbsent: true, now: () => new Date('2026-06-01T00:00:00Z') });
    const diagnostic = result.diagnostics.find((d) => d.code === 'RouteFilterInvalid');
    assert.ok(diagnostic, JSON.stringify(diagnostic));
    assert.match(diagnostic.field ?? '', /spec\.rules\[0\]\.filters\[0\]/, JSON.stringify(diagnostic));
    assert.match(diagnostic.message, /^rule 0 answers 500: requestHeaderModifier set x-a: /);
  });
});
