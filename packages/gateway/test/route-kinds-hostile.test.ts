// GRPCRoute, TLSRoute and TCPRoute objects of any shape: the translator reports and goes on,
// never throws, and gives the same output for the same input in any order.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toStableJson, type ClusterSnapshot } from '@kupstream/core';
import { translateGatewayApi } from '../src/index.js';

const gateways = [
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: 'default' },
    spec: {
      gatewayClassName: 'ngrok',
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } },
        { name: 'tcp', port: 5432, protocol: 'TCP' },
      ],
    },
  },
];
const services = [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'default' }, spec: { ports: [{ port: 80 }] } }];

/** Any JSON, with the shapes routes use mixed in so that deeper fields are reached. */
const junk = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue(),
    fc.constant({ toString: 0 }),
    fc.record({ name: fc.constantFrom('gw', 'svc', ''), port: fc.oneof(fc.integer(), fc.string()), namespace: tie('value') }),
    fc.record({
      method: tie('value'),
      headers: tie('value'),
      service: fc.string(),
      type: fc.constantFrom('Exact', 'RegularExpression', 'x'),
    }),
    fc.array(tie('value'), { maxLength: 3 }),
  ),
})).value;

const route = (kind: string) =>
  fc.record({
    apiVersion: fc.constant('gateway.networking.k8s.io/v1'),
    kind: fc.constant(kind),
    metadata: fc.record({ name: fc.constantFrom('a', 'b', ''), namespace: fc.constantFrom('default', 'other') }),
    spec: fc.record(
      {
        parentRefs: fc.oneof(fc.constant([{ name: 'gw' }]), junk),
        hostnames: fc.oneof(fc.constant(['x.example.com']), junk),
        rules: fc.oneof(
          fc.constant([{ backendRefs: [{ name: 'svc', port: 80 }] }]),
          fc.array(fc.record({ matches: junk, filters: junk, backendRefs: junk }, { requiredKeys: [] }), { maxLength: 2 }),
          junk,
        ),
      },
      { requiredKeys: [] },
    ),
  });

describe('GRPCRoute, TLSRoute and TCPRoute of any shape', () => {
  it('never throw, and give one output for one input in any order', () => {
    fc.assert(
      fc.property(
        fc.array(route('GRPCRoute'), { maxLength: 3 }),
        fc.array(route('TLSRoute'), { maxLength: 3 }),
        fc.array(route('TCPRoute'), { maxLength: 3 }),
        (grpcRoutes, tlsRoutes, tcpRoutes) => {
          const now = () => new Date('2026-06-01T00:00:00Z');
          const input = JSON.parse(JSON.stringify({ gateways, services, grpcRoutes, tlsRoutes, tcpRoutes })) as ClusterSnapshot;
          const first = toStableJson(translateGatewayApi(input, { now, assumeClassesWhenAbsent: true }));
          const reversed = {
            ...input,
            grpcRoutes: [...(input.grpcRoutes ?? [])].reverse(),
            tlsRoutes: [...(input.tlsRoutes ?? [])].reverse(),
            tcpRoutes: [...(input.tcpRoutes ?? [])].reverse(),
          };
          assert.equal(toStableJson(translateGatewayApi(reversed, { now, assumeClassesWhenAbsent: true })), first);
        },
      ),
      { numRuns: 300 },
    );
  });
});
