// buildUpstreamEndpoints: Service port number -> port name -> the slice port of that name;
// addresses with their conditions, across slices, by the kubernetes.io/service-name label.
import assert from 'node:assert/strict';
import { buildUpstreamEndpoints, type ClusterSnapshot, type EndpointSlice, type Service, type Upstream } from '../src/index.js';

const service = (name: string, ports: { name?: string; port: number; targetPort?: number }[], namespace = 'shop'): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace, name },
  spec: { ports },
});

const slice = (name: string, serviceName: string | undefined, body: Partial<EndpointSlice>, namespace = 'shop'): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { namespace, name, ...(serviceName ? { labels: { 'kubernetes.io/service-name': serviceName } } : {}) },
  addressType: 'IPv4',
  ...body,
});

const upstream = (name: string, svc: string, port: number, namespace = 'shop'): Upstream => ({
  name,
  url: `https://${svc}.${namespace}:${port}`,
  protocol: 'http1',
  service: { namespace, name: svc, port },
});

const ready = { ready: true, serving: true, terminating: false };

describe('buildUpstreamEndpoints', () => {
  const services = [
    service('web', [
      { name: 'https', port: 443, targetPort: 8443 },
      { name: 'metrics', port: 9090 },
    ]),
    service('single', [{ port: 80, targetPort: 8080 }]),
    service('empty', [{ port: 80 }]),
  ];
  const slices = [
    slice('web-a', 'web', {
      ports: [
        { name: 'https', port: 8443, protocol: 'TCP' },
        { name: 'metrics', port: 9090 },
      ],
      endpoints: [
        { addresses: ['10.0.0.2'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'web-1' }, zone: 'a' },
        { addresses: ['10.0.0.1'], conditions: {} },
        { addresses: ['10.0.0.3'], conditions: { ready: false, serving: true, terminating: true } },
      ],
    }),
    // A second slice of the same Service, one address repeated (a slice being replaced): the readier entry wins.
    slice('web-b', 'web', {
      ports: [{ name: 'https', port: 8443 }],
      endpoints: [
        { addresses: ['10.0.0.4'], conditions: { ready: false, serving: false, terminating: false } },
        { addresses: ['10.0.0.3'], conditions: { ready: false, serving: false, terminating: true } },
      ],
    }),
    slice('single-a', 'single', { ports: [{ port: 8080 }], endpoints: [{ addresses: ['10.1.0.1'] }] }),
    slice('empty-a', 'empty', { ports: [{ port: 80 }], endpoints: [] }),
    slice('no-label', undefined, { ports: [{ name: 'https', port: 8443 }], endpoints: [{ addresses: ['10.9.9.9'] }] }),
    slice('other-ns', 'web', { ports: [{ name: 'https', port: 8443 }], endpoints: [{ addresses: ['10.8.8.8'] }] }, 'elsewhere'),
  ];
  const snapshot: ClusterSnapshot = { services, endpointSlices: slices };

  const table: { case: string; upstreams: Upstream[]; expected: Record<string, unknown> }[] = [
    {
      case: 'a named port maps to the slice port of that name, addresses sorted, conditions defaulted as Kubernetes does',
      upstreams: [upstream('web-https', 'web', 443)],
      expected: {
        'web-https': [
          { address: '10.0.0.1', port: 8443, ...ready },
          { address: '10.0.0.2', port: 8443, ...ready, zone: 'a', target: 'shop/web-1' },
          { address: '10.0.0.3', port: 8443, ready: false, serving: true, terminating: true },
          { address: '10.0.0.4', port: 8443, ready: false, serving: false, terminating: false },
        ],
      },
    },
    {
      case: 'another port of the same Service gets its own target port',
      upstreams: [upstream('web-metrics', 'web', 9090)],
      expected: {
        'web-metrics': [
          { address: '10.0.0.1', port: 9090, ...ready },
          { address: '10.0.0.2', port: 9090, ...ready, zone: 'a', target: 'shop/web-1' },
          { address: '10.0.0.3', port: 9090, ready: false, serving: true, terminating: true },
        ],
      },
    },
    {
      case: 'a single unnamed port matches the unnamed slice port',
      upstreams: [upstream('single', 'single', 80)],
      expected: { single: [{ address: '10.1.0.1', port: 8080, ...ready }] },
    },
    {
      case: 'a slice with no endpoints: an empty list (nothing to dial)',
      upstreams: [upstream('empty', 'empty', 80)],
      expected: { empty: [] },
    },
    {
      case: 'no slice for the Service, a port the Service lacks, a missing Service, an unavailable upstream: no entry (dial the name)',
      upstreams: [
        upstream('noslice', 'web', 443, 'elsewhere'),
        upstream('noport', 'web', 8080),
        upstream('nosvc', 'ghost', 80),
        { ...upstream('refused', 'web', 443), unavailable: { code: 'X', reason: 'y' } },
        { name: 'plain', url: 'http://example.com:80', protocol: 'http1' },
      ],
      expected: {},
    },
  ];
  for (const row of table) {
    it(row.case, () => {
      assert.deepEqual(buildUpstreamEndpoints(snapshot, row.upstreams), row.expected);
    });
  }

  it('never throws on malformed slices', () => {
    const junk = [
      null,
      'x',
      { metadata: { labels: { 'kubernetes.io/service-name': 'web' }, namespace: 'shop' }, ports: 'no', endpoints: 5 },
      slice('bad', 'web', {
        ports: [null as never, { name: 'https', port: 70000 }, { name: 'https', port: 8443, protocol: 'UDP' }],
        endpoints: [null as never, { addresses: [5 as never, ''] }],
      }),
      slice('ok', 'web', { ports: [{ name: 'https', port: 8443 }], endpoints: [{ addresses: ['10.0.0.9'], conditions: 'x' as never }] }),
    ];
    const result = buildUpstreamEndpoints({ services, endpointSlices: junk as EndpointSlice[] }, [upstream('u', 'web', 443)]);
    assert.deepEqual(result, { u: [{ address: '10.0.0.9', port: 8443, ...ready }] });
  });
});
