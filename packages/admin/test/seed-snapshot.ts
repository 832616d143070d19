// The seed document's Gateway API manifests (Gateway with backendTLS.clientCertificateRef,
// HTTPRoute, annotated Service, the client-cert Secret), plus a second listener and route
// to a Service whose upstream refuses our client certificate, so the inspector has a
// failure to show.
import type { ClusterSnapshot } from '@kupstream/core';
import { tlsSecret, type Issued } from '@kupstream/test-pki';

const APP_PROTOCOLS = { 'k8s.ngrok.com/app-protocols': '{"https-port":"https","http-port":"http"}' };

function service(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', labels: { app: 'example-app' }, annotations: APP_PROTOCOLS },
    spec: {
      ports: [
        { name: 'https-port', port: 443, protocol: 'TCP', targetPort: 8443 },
        { name: 'http-port', port: 80, protocol: 'TCP', targetPort: 8080 },
      ],
      selector: { app: 'example-app' },
    },
  };
}

function route(name: string, hostname: string, serviceName: string, sectionName: string) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'default', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      hostnames: [hostname],
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'example-gateway', namespace: 'default', sectionName }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ group: '', kind: 'Service', name: serviceName, port: 443, weight: 1 }],
        },
      ],
    },
  };
}

export const SEED_HOST = 'example-hostname.ngrok.io';
export const BROKEN_HOST = 'broken.ngrok.io';

export function seedSnapshot(client: Pick<Issued, 'certPem' | 'keyPem'>): ClusterSnapshot {
  return {
    gateways: [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'example-gateway', namespace: 'default', generation: 1 },
        spec: {
          backendTLS: { clientCertificateRef: { name: 'client-cert-secret' } },
          gatewayClassName: 'ngrok',
          listeners: [
            { name: 'example', hostname: SEED_HOST, port: 443, protocol: 'HTTPS' },
            { name: 'broken', hostname: BROKEN_HOST, port: 443, protocol: 'HTTPS' },
          ],
        },
      },
    ],
    httpRoutes: [
      route('example-route', SEED_HOST, 'example-service', 'example'),
      route('broken-route', BROKEN_HOST, 'broken-service', 'broken'),
    ],
    services: [service('example-service'), service('broken-service')],
    secrets: [tlsSecret('client-cert-secret', client, 'default')],
  } as ClusterSnapshot;
}
