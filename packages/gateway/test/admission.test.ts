// Every translator admits its input lists the same way: entries that are not objects are
// one ObjectMalformed error per kind, objects without a name ObjectNameMissing, a repeated
// namespace/name DuplicateObject, each with the same words whatever the kind.
import assert from 'node:assert/strict';
import { translateAgentEndpoints, type ClusterSnapshot, type Diagnostic } from '@kupstream/core';
import { createGatewayTranslator, translateGatewayApi } from '../src/index.js';

const now = () => new Date('2026-06-01T00:00:00Z');
const codes = (diagnostics: readonly Diagnostic[], code: string) =>
  diagnostics.filter((d) => d.code === code).map((d) => ({ kind: d.resource.kind, message: d.message }));

describe('object admission', () => {
  it('reports non-objects in the Gateway API lists as ObjectMalformed, as the other translators do', () => {
    const snapshot = {
      gateways: [42, null],
      httpRoutes: ['x'],
      gatewayClasses: [[]],
      backendTLSPolicies: [true],
    } as unknown as ClusterSnapshot;
    const result = translateGatewayApi(snapshot, { now });
    assert.deepEqual(codes(result.diagnostics, 'ObjectMalformed'), [
      { kind: 'BackendTLSPolicy', message: '1 BackendTLSPolicy entry is not an object and was not translated' },
      { kind: 'Gateway', message: '2 Gateway entries are not objects and were not translated' },
      { kind: 'GatewayClass', message: '1 GatewayClass entry is not an object and was not translated' },
      { kind: 'HTTPRoute', message: '1 HTTPRoute entry is not an object and was not translated' },
    ]);
    assert.ok(result.diagnostics.every((d) => d.severity === 'error' || d.code !== 'ObjectMalformed'));
    const agents = translateAgentEndpoints({ agentEndpoints: [42, null] } as unknown as ClusterSnapshot, { now });
    assert.deepEqual(codes(agents.diagnostics, 'ObjectMalformed'), [
      { kind: 'AgentEndpoint', message: '2 AgentEndpoint entries are not objects and were not translated' },
    ]);
  });

  it('words a missing name and a duplicate the same for every kind', () => {
    const route = (name: string, creationTimestamp: string) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { namespace: 'web', name, creationTimestamp },
      spec: {},
    });
    const snapshot = {
      httpRoutes: [route('twin', '2026-01-02T00:00:00Z'), route('twin', '2026-01-01T00:00:00Z'), route('', '2026-01-01T00:00:00Z')],
    } as unknown as ClusterSnapshot;
    const result = translateGatewayApi(snapshot, { now });
    assert.deepEqual(codes(result.diagnostics, 'ObjectNameMissing'), [
      { kind: 'HTTPRoute', message: 'HTTPRoute has no metadata.name and was not translated' },
    ]);
    assert.deepEqual(codes(result.diagnostics, 'DuplicateObject'), [
      { kind: 'HTTPRoute', message: 'HTTPRoute web/twin appears more than once in the input; the oldest is translated' },
    ]);
  });

  it('keeps reporting malformed entries through the incremental translator as they come and go', () => {
    const translator = createGatewayTranslator({ now });
    const malformed = (s: ClusterSnapshot) => codes(translator.translate(s).diagnostics, 'ObjectMalformed').map((d) => d.message);
    assert.deepEqual(malformed({ gateways: [] }), []);
    assert.deepEqual(malformed({ gateways: [7] } as unknown as ClusterSnapshot), [
      '1 Gateway entry is not an object and was not translated',
    ]);
    assert.deepEqual(malformed({ gateways: [7, 8] } as unknown as ClusterSnapshot), [
      '2 Gateway entries are not objects and were not translated',
    ]);
    assert.deepEqual(malformed({ gateways: [] }), []);
  });
});
