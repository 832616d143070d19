// Realistic manifests full of real private keys: the seed PKI, good Secrets and broken
// variants of them, referenced from every place a translator reads key material
// (Gateway client certificate, listener certificates, BackendTLSPolicy CA refs, Ingress
// spec.tls, AgentEndpoint client certificates and TLS termination).
import { createCa, createSeedPki, issue, tlsSecret, type CertificateAuthority, type Issued, type SeedPki } from '@kupstream/test-pki';
import { stringify } from 'yaml';
import type { NamedKey } from './leaks.js';

export interface SecretWorld {
  pki: SeedPki;
  otherCa: CertificateAuthority;
  otherClient: Issued;
  expired: Issued;
  ecClient: Issued;
  /** Every private key that appears anywhere in the manifests. */
  keys: NamedKey[];
  objects: Record<string, unknown>[];
  /** The objects as one multi-document YAML text. */
  yaml: string;
}

const DAY = 86_400_000;
const b64 = (text: string) => Buffer.from(text).toString('base64');

export async function buildSecretWorld(): Promise<SecretWorld> {
  const pki = await createSeedPki({ serverNames: ['example-service.default', 'localhost'], serverIps: ['127.0.0.1'] });
  const otherCa = await createCa({ subject: 'CN=OtherCA' });
  const otherClient = await issue(otherCa, { subject: 'CN=OtherClient', extendedKeyUsage: ['clientAuth'] });
  const expired = await issue(pki.ca, {
    subject: 'CN=ExpiredClient',
    extendedKeyUsage: ['clientAuth'],
    notBefore: new Date(Date.now() - 3 * DAY),
    notAfter: new Date(Date.now() - DAY),
  });
  const ecClient = await issue(pki.ca, { subject: 'CN=EcClient', extendedKeyUsage: ['clientAuth'], keyType: 'ec' });
  const { client, server, ca } = pki;
  const secret = (name: string, data: Record<string, string>, type = 'kubernetes.io/tls') => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type,
    data,
  });

  // Good material and each way it is commonly broken.
  const secrets = [
    tlsSecret('good-client', client, 'default'),
    tlsSecret('ec-client', ecClient, 'default'),
    tlsSecret('server-tls', server, 'default'),
    tlsSecret('expired-client', expired, 'default'),
    secret('key-mismatch', { 'tls.crt': b64(client.certPem), 'tls.key': b64(otherClient.keyPem) }),
    secret('swapped', { 'tls.crt': b64(client.keyPem), 'tls.key': b64(client.certPem) }),
    secret('key-in-crt', { 'tls.crt': b64(client.certPem + client.keyPem), 'tls.key': b64(client.keyPem) }),
    secret('crlf', { 'tls.crt': b64(client.certPem.replace(/\n/g, '\r\n')), 'tls.key': b64(client.keyPem.replace(/\n/g, '\r\n')) }),
    secret('raw-pem', { 'tls.crt': client.certPem, 'tls.key': client.keyPem }),
    secret('truncated-key', { 'tls.crt': b64(client.certPem), 'tls.key': b64(client.keyPem.slice(0, client.keyPem.length / 2)) }),
    secret('key-only', { 'tls.key': b64(client.keyPem) }),
    secret('other-ca-client', { 'tls.crt': b64(otherClient.certPem), 'tls.key': b64(otherClient.keyPem) }, 'Opaque'),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'string-data', namespace: 'default' },
      type: 'kubernetes.io/tls',
      stringData: { 'tls.crt': client.certPem, 'tls.key': client.keyPem },
    },
    // A CA bundle with the CA's own key pasted in: the key must not travel with the bundle.
    secret('ca-with-key', { 'ca.crt': b64(ca.certPem + ca.keyPem) }, 'Opaque'),
    secret('client-cas', { 'ca.crt': b64(ca.certPem) }, 'Opaque'),
  ];
  const names = secrets.map((s) => s.metadata.name);
  const objects: Record<string, unknown>[] = [...secrets];
  objects.push({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'ca-bundle-with-key', namespace: 'default' },
    data: { 'ca.crt': ca.certPem + ca.keyPem },
  });
  for (const [svc, ref] of [
    ['svc', { kind: 'ConfigMap', name: 'ca-bundle-with-key' }],
    ['svc2', { kind: 'Secret', name: 'ca-with-key' }],
    ['svc3', { kind: 'Secret', name: 'key-only' }],
  ] as const) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: svc, namespace: 'default', annotations: { 'k8s.ngrok.com/app-protocols': '{"https":"HTTPS"}' } },
      spec: { ports: [{ name: 'https', port: 443 }] },
    });
    objects.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name: `verify-${svc}`, namespace: 'default' },
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: svc }],
        validation: { hostname: 'example-service.default', caCertificateRefs: [{ group: '', ...ref }] },
      },
    });
  }
  for (const name of names) {
    objects.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: `gw-${name}`, namespace: 'default' },
      spec: {
        gatewayClassName: 'ngrok',
        tls: { backend: { clientCertificateRef: { name } } },
        listeners: [
          {
            name: 'web',
            hostname: `${name}.example.com`,
            port: 443,
            protocol: 'HTTPS',
            tls: { mode: 'Terminate', certificateRefs: [{ name: 'server-tls' }] },
          },
        ],
      },
    });
    // The same Secret as a listener's serving certificate.
    objects.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: `gwl-${name}`, namespace: 'default' },
      spec: {
        gatewayClassName: 'ngrok',
        listeners: [
          {
            name: 'web',
            hostname: `gwl-${name}.example.com`,
            port: 443,
            protocol: 'HTTPS',
            tls: { mode: 'Terminate', certificateRefs: [{ name }] },
          },
        ],
      },
    });
    objects.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: `route-${name}`, namespace: 'default' },
      spec: {
        parentRefs: [{ name: `gw-${name}` }],
        rules: [
          {
            backendRefs: [
              { name: 'svc', port: 443 },
              { name: 'svc2', port: 443 },
              { name: 'svc3', port: 443 },
            ],
          },
        ],
      },
    });
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: `ing-${name}`, namespace: 'default' },
      spec: {
        ingressClassName: 'ngrok',
        tls: [{ hosts: [`ing-${name}.example.com`], secretName: name }],
        rules: [
          {
            host: `ing-${name}.example.com`,
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'svc', port: { number: 443 } } } }] },
          },
        ],
      },
    });
    objects.push({
      apiVersion: 'ngrok.k8s.ngrok.com/v1alpha1',
      kind: 'AgentEndpoint',
      metadata: { name: `ae-${name}`, namespace: 'default' },
      spec: { url: `https://ae-${name}.example.com`, upstream: { url: 'https://svc.default:443' }, clientCertificateRefs: [{ name }] },
    });
    objects.push({
      apiVersion: 'ngrok.k8s.ngrok.com/v1alpha1',
      kind: 'AgentEndpoint',
      metadata: { name: `tls-${name}`, namespace: 'default' },
      spec: {
        url: `tls://tls-${name}.example.com`,
        upstream: { url: 'http://web.default:80' },
        tlsTermination: {
          serverCertificateRef: { name },
          mutualTLS: { clientCAsRef: { name: name === 'ca-with-key' ? name : 'client-cas' } },
        },
      },
    });
  }
  const keys: NamedKey[] = [
    { label: 'client key', keyPem: client.keyPem },
    { label: 'server key', keyPem: server.keyPem },
    { label: 'CA key', keyPem: ca.keyPem },
    { label: 'expired client key', keyPem: expired.keyPem },
    { label: 'EC client key', keyPem: ecClient.keyPem },
    { label: 'other client key', keyPem: otherClient.keyPem },
  ];
  return {
    pki,
    otherCa,
    otherClient,
    expired,
    ecClient,
    keys,
    objects,
    yaml: objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'),
  };
}
