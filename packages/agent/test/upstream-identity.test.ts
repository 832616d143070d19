// Upstream identity and TLS parameters end to end: manifests translated by the Ingress and
// Gateway API translators, served by the proxy, against real nginx upstreams. An Ingress
// with an ingress-nginx proxy-ssl-secret presents its own certificate while another Ingress
// on the same Service presents none; BackendTLSPolicy options set the TLS versions (a TLS
// 1.2-only server is refused with a typed code under min-tls-version 1.3) and ALPN with
// fallback.
import assert from 'node:assert/strict';
import type { ClusterSnapshot, TranslationResult } from '@kupstream/core';
import { translateGatewayApi } from '@kupstream/gateway';
import { translateIngresses } from '@kupstream/ingress';
import { createCa, createSeedPki, tlsSecret, type SeedPki } from '@kupstream/test-pki';
import { toLoopback } from './support/fixtures.js';
import { startNginx, type RunningNginx } from './support/nginx.js';
import { request, startProxy } from './support/proxy-harness.js';

interface NginxEcho {
  subject: string;
  verify: string;
  servername: string;
  protocol: string;
  alpn: string;
  http: string;
  cipher: string;
}

const NOW = () => new Date();
const b64 = (text: string) => Buffer.from(text).toString('base64');

function ingress(name: string, host: string, annotations: Record<string, string>) {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default', annotations },
    spec: {
      ingressClassName: 'ngrok',
      rules: [
        { host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'backend', port: { number: 8443 } } } }] } },
      ],
    },
  };
}

const SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'backend', namespace: 'default' },
  spec: { ports: [{ name: 'https', port: 8443 }] },
};
const INGRESS_CLASS = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'ngrok' },
  spec: { controller: 'ngrok.com/ingress-controller' },
};

/** A Gateway, an HTTPRoute for `host` to backend:8443, and a BackendTLSPolicy with these options. */
function gatewaySnapshot(pki: SeedPki, host: string, options: Record<string, string> | undefined): ClusterSnapshot {
  return {
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
        metadata: { name: 'route', namespace: 'default' },
        spec: { parentRefs: [{ name: 'gw' }], hostnames: [host], rules: [{ backendRefs: [{ name: 'backend', port: 8443 }] }] },
      },
    ],
    backendTLSPolicies: [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'BackendTLSPolicy',
        metadata: { name: 'backend-tls', namespace: 'default' },
        spec: {
          targetRefs: [{ group: '', kind: 'Service', name: 'backend' }],
          validation: { hostname: 'backend.example.com', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }] },
          ...(options ? { options } : {}),
        },
      },
    ],
    configMaps: [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'backend-ca', namespace: 'default' }, data: { 'ca.crt': pki.ca.certPem } },
    ],
    services: [SERVICE],
  } as ClusterSnapshot;
}

async function through(result: TranslationResult, port: number, host: string) {
  const harness = await startProxy({ model: result, resolve: toLoopback(port) });
  try {
    return await request(harness.server.port, host, '/identity');
  } finally {
    await harness.close();
  }
}

describe('upstream identity and TLS parameters against nginx', function () {
  this.timeout(60_000);
  let pki: SeedPki;
  let optional: RunningNginx;
  before(async () => {
    pki = await createSeedPki({ serverNames: ['backend.default', 'backend.example.com'] });
    optional = await startNginx({
      serverCertPem: pki.server.certPem,
      serverKeyPem: pki.server.keyPem,
      clientCaPem: pki.ca.certPem,
      verifyClient: 'optional',
    });
  });
  after(async () => {
    await optional?.stop();
  });

  describe('Ingress with ingress-nginx proxy-ssl annotations', () => {
    let result: TranslationResult;
    before(async () => {
      const other = await createCa({ subject: 'CN=OtherCA' });
      const secret = tlsSecret('upstream-mtls', pki.client, 'default');
      const snapshot = {
        ingressClasses: [INGRESS_CLASS],
        ingresses: [
          ingress('with-identity', 'mtls.example.com', {
            'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
            'nginx.ingress.kubernetes.io/proxy-ssl-secret': 'default/upstream-mtls',
            'nginx.ingress.kubernetes.io/proxy-ssl-verify': 'on',
            'nginx.ingress.kubernetes.io/proxy-ssl-name': 'backend.example.com',
          }),
          ingress('anonymous', 'plain.example.com', { 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' }),
          ingress('wrong-ca', 'wrong-ca.example.com', {
            'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
            'nginx.ingress.kubernetes.io/proxy-ssl-secret': 'default/other-ca',
            'nginx.ingress.kubernetes.io/proxy-ssl-verify': 'on',
          }),
        ],
        secrets: [
          { ...secret, data: { ...secret.data, 'ca.crt': b64(pki.ca.certPem) } },
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'other-ca', namespace: 'default' },
            data: { 'ca.crt': b64(other.certPem) },
          },
        ],
        services: [SERVICE],
      } as ClusterSnapshot;
      result = translateIngresses(snapshot, { now: NOW });
      assert.deepEqual(
        result.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
    });

    it('presents the Secret’s certificate, verifies nginx with its ca.crt and sends proxy-ssl-name as SNI', async () => {
      const answer = await through(result, optional.tlsPort, 'mtls.example.com');
      assert.equal(answer.status, 200, answer.body);
      const echo = JSON.parse(answer.body) as NginxEcho;
      assert.equal(echo.subject, 'CN=ExampleClient');
      assert.equal(echo.verify, 'SUCCESS');
      assert.equal(echo.servername, 'backend.example.com');
    });

    it('another Ingress on the same Service presents no certificate', async () => {
      const answer = await through(result, optional.tlsPort, 'plain.example.com');
      assert.equal(answer.status, 200, answer.body);
      const echo = JSON.parse(answer.body) as NginxEcho;
      assert.equal(echo.subject, '');
      assert.equal(echo.verify, 'NONE');
      assert.equal(echo.servername, 'backend.default');
    });

    it('refuses nginx when proxy-ssl-verify names a CA that did not issue its certificate', async () => {
      const answer = await through(result, optional.tlsPort, 'wrong-ca.example.com');
      assert.equal(answer.status, 502, answer.body);
      assert.equal(answer.headers['x-kupstream-error'], 'certificate_untrusted');
    });
  });

  describe('BackendTLSPolicy options', () => {
    let tls13: RunningNginx;
    let tls12: RunningNginx;
    before(async () => {
      const files = {
        serverCertPem: pki.server.certPem,
        serverKeyPem: pki.server.keyPem,
        clientCaPem: pki.ca.certPem,
        verifyClient: 'optional' as const,
      };
      tls13 = await startNginx({ ...files, sslProtocols: 'TLSv1.3' });
      tls12 = await startNginx({ ...files, sslProtocols: 'TLSv1.2' });
    });
    after(async () => {
      await tls13?.stop();
      await tls12?.stop();
    });

    const translate = (options?: Record<string, string>) =>
      translateGatewayApi(gatewaySnapshot(pki, 'api.example.com', options), { now: NOW, assumeClassesWhenAbsent: true });

    it('min-tls-version 1.3 reaches a TLS 1.3-only upstream over TLS 1.3', async () => {
      const answer = await through(translate({ 'kupstream.dev/min-tls-version': '1.3' }), tls13.tlsPort, 'api.example.com');
      assert.equal(answer.status, 200, answer.body);
      assert.equal((JSON.parse(answer.body) as NginxEcho).protocol, 'TLSv1.3');
    });

    it('min-tls-version 1.3 refuses a TLS 1.2-only upstream with tls_version_unsupported', async () => {
      const answer = await through(translate({ 'kupstream.dev/min-tls-version': '1.3' }), tls12.tlsPort, 'api.example.com');
      assert.equal(answer.status, 502, answer.body);
      assert.equal(answer.headers['x-kupstream-error'], 'tls_version_unsupported');
    });

    it('without options the same TLS 1.2-only upstream is reached (the refusal is the option’s)', async () => {
      const answer = await through(translate(undefined), tls12.tlsPort, 'api.example.com');
      assert.equal(answer.status, 200, answer.body);
      assert.equal((JSON.parse(answer.body) as NginxEcho).protocol, 'TLSv1.2');
    });

    it('max-tls-version 1.2 and a cipher list are what nginx sees', async () => {
      const answer = await through(
        translate({ 'kupstream.dev/max-tls-version': '1.2', 'kupstream.dev/ciphers': 'ECDHE-RSA-AES128-GCM-SHA256' }),
        optional.tlsPort,
        'api.example.com',
      );
      assert.equal(answer.status, 200, answer.body);
      const echo = JSON.parse(answer.body) as NginxEcho;
      assert.deepEqual([echo.protocol, echo.cipher], ['TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256']);
    });

    it('ALPN h2,http/1.1 speaks HTTP/2 to an h2 upstream and falls back to HTTP/1.1 to one without', async () => {
      const result = translate({ 'kupstream.dev/alpn': 'h2,http/1.1' });
      const h2 = await through(result, optional.http2Port, 'api.example.com');
      assert.equal(h2.status, 200, h2.body);
      assert.deepEqual([(JSON.parse(h2.body) as NginxEcho).alpn, (JSON.parse(h2.body) as NginxEcho).http], ['h2', 'HTTP/2.0']);
      const h1 = await through(result, optional.tlsPort, 'api.example.com');
      assert.equal(h1.status, 200, h1.body);
      assert.deepEqual([(JSON.parse(h1.body) as NginxEcho).alpn, (JSON.parse(h1.body) as NginxEcho).http], ['http/1.1', 'HTTP/1.1']);
    });
  });
});
