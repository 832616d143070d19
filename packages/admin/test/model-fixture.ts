// A hand-built model in the shape DESIGN.md's appendix shows for the seed (the gateway
// translator is built by another package; tests that have it use it instead).
import type { TranslationModel, Upstream } from '@kupstream/core';

export interface SeedModelOptions {
  upstreamUrl?: string;
  clientCertificate?: { subject: string; issuer: string; notAfter: string; sha256: string };
  extraUpstreams?: Upstream[];
}

export const SEED_ENDPOINT = 'default/example-gateway/example/example-hostname.ngrok.io';
export const SEED_UPSTREAM = 'default/example-service:443+mtls:default/client-cert-secret';
export const SEED_ROUTE = 'httproute/default/example-route/rule/0/match/0';

export function seedModel(options: SeedModelOptions = {}): TranslationModel {
  const cert = options.clientCertificate ?? {
    subject: 'CN=ExampleClient',
    issuer: 'CN=ExampleCA',
    notAfter: '2027-06-01T00:00:00.000Z',
    sha256: '9F:3A:00',
  };
  return {
    endpoints: [
      {
        name: SEED_ENDPOINT,
        url: 'https://example-hostname.ngrok.io',
        sources: [
          { kind: 'Gateway', namespace: 'default', name: 'example-gateway', section: 'example' },
          { kind: 'HTTPRoute', namespace: 'default', name: 'example-route' },
        ],
        routes: [
          { name: SEED_ROUTE, matches: [{ path: { type: 'PathPrefix', value: '/' } }], backends: [{ upstream: SEED_UPSTREAM, weight: 1 }] },
        ],
      },
    ],
    upstreams: [
      {
        name: SEED_UPSTREAM,
        url: options.upstreamUrl ?? 'https://example-service.default:443',
        protocol: 'http1',
        service: { namespace: 'default', name: 'example-service', port: 443 },
        tls: {
          serverName: 'example-service.default',
          alpn: ['http/1.1'],
          minVersion: 'TLSv1.2',
          verification: { mode: 'none' },
          clientCertificate: { secret: { namespace: 'default', name: 'client-cert-secret' }, ...cert },
        },
      },
      ...(options.extraUpstreams ?? []),
    ],
    statuses: [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        namespace: 'default',
        name: 'example-gateway',
        status: {
          conditions: [
            {
              type: 'Accepted',
              status: 'True',
              reason: 'Accepted',
              message: '',
              observedGeneration: 1,
              lastTransitionTime: '2026-06-01T00:00:00Z',
            },
          ],
          listeners: [
            {
              name: 'example',
              attachedRoutes: 1,
              conditions: [
                {
                  type: 'Programmed',
                  status: 'True',
                  reason: 'Programmed',
                  message: '',
                  observedGeneration: 1,
                  lastTransitionTime: '2026-06-01T00:00:00Z',
                },
              ],
            },
          ],
        },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        namespace: 'default',
        name: 'example-route',
        status: {
          parents: [
            {
              parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default', name: 'example-gateway' },
              controllerName: 'ngrok.com/gateway-controller',
              conditions: [
                {
                  type: 'ResolvedRefs',
                  status: 'True',
                  reason: 'ResolvedRefs',
                  message: '',
                  observedGeneration: 1,
                  lastTransitionTime: '2026-06-01T00:00:00Z',
                },
              ],
            },
          ],
        },
      },
    ],
    diagnostics: [
      {
        severity: 'warning',
        code: 'UpstreamNotVerified',
        resource: { kind: 'Service', namespace: 'default', name: 'example-service' },
        field: 'metadata.annotations[k8s.ngrok.com/app-protocols]',
        message:
          'https upstream example-service.default:443 is encrypted but its certificate is not verified; add a BackendTLSPolicy to verify it',
      },
      {
        severity: 'info',
        code: 'GatewayClassAssumed',
        resource: { kind: 'Gateway', namespace: 'default', name: 'example-gateway' },
        message: 'no GatewayClass objects in the input',
      },
    ],
  };
}
