// Values whose toString is not callable (`[{ toString: 0 }]` parses from JSON) throw
// when a message interpolates them with String() or a template; the 10,000-case fuzz
// run found two such places. Pinned here so they stay fixed.
import assert from 'node:assert/strict';
import { toStableJson, type ClusterSnapshot } from '@kupstream/core';
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
