// A CA rollover end to end: a BackendTLSPolicy whose CA ConfigMap goes from the old CA, to
// the old and the new (the same subject, another key), to the new alone, translated by the
// Gateway API translator and swapped into one running proxy. Two real TLS servers stand for
// the pods of the one upstream: one still serving a certificate of the old CA, one already
// serving one of the new. Each stage must verify exactly the servers its bundle trusts.
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { ClusterSnapshot, TranslationResult } from '@kupstream/core';
import { translateGatewayApi } from '@kupstream/gateway';
import { createCa, issue, type CertificateAuthority } from '@kupstream/test-pki';
import { httpsEchoServer, type RunningServer } from './support/servers.js';
import { request, startProxy, type Harness } from './support/proxy-harness.js';

const HOST = 'api.example.com';

/** The Gateway, route, Service and policy, with `bundle` as the CA ConfigMap's ca.crt. */
function snapshot(bundle: string): ClusterSnapshot {
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
        spec: { parentRefs: [{ name: 'gw' }], hostnames: [HOST], rules: [{ backendRefs: [{ name: 'backend', port: 8443 }] }] },
      },
    ],
    services: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'backend', namespace: 'default' },
        spec: { ports: [{ name: 'https', port: 8443 }] },
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
        },
      },
    ],
    configMaps: [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'backend-ca', namespace: 'default' }, data: { 'ca.crt': bundle } },
    ],
  } as ClusterSnapshot;
}

function translate(bundle: string): TranslationResult {
  const result = translateGatewayApi(snapshot(bundle), { now: () => new Date(), assumeClassesWhenAbsent: true });
  assert.deepEqual(
    result.diagnostics.filter((d) => d.severity !== 'info'),
    [],
  );
  assert.equal(result.upstreams.length, 1, 'one upstream through the whole rollover');
  return result;
}

/** Answers with the name of the server; closes each connection so that every request makes a new handshake. */
function namedHandler(name: string): http.RequestListener {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end(name);
  };
}

describe('CA rollover: a bundle with the old and the new CA verifies servers of either', function () {
  this.timeout(30_000);
  let oldCa: CertificateAuthority;
  let newCa: CertificateAuthority;
  let oldServer: RunningServer;
  let newServer: RunningServer;
  let harness: Harness;
  let target = 0;

  before(async () => {
    oldCa = await createCa({ subject: 'CN=BackendCA' });
    newCa = await createCa({ subject: 'CN=BackendCA' });
    const leaf = { subject: 'CN=backend', dnsNames: ['backend.example.com'], extendedKeyUsage: ['serverAuth' as const] };
    const oldLeaf = await issue(oldCa, leaf);
    const newLeaf = await issue(newCa, leaf);
    oldServer = await httpsEchoServer({ cert: oldLeaf.certPem, key: oldLeaf.keyPem }, namedHandler('old'));
    newServer = await httpsEchoServer({ cert: newLeaf.certPem, key: newLeaf.keyPem }, namedHandler('new'));
    // One proxy for the whole rollover, its model swapped at each stage as a host would on a ConfigMap change.
    harness = await startProxy({ model: translate(oldCa.certPem), resolve: () => ({ host: '127.0.0.1', port: target }) });
  });
  after(async () => {
    await harness?.close();
    await oldServer?.close();
    await newServer?.close();
  });

  async function reach(server: RunningServer): Promise<{ status: number; body: string; error: string | undefined }> {
    target = server.port;
    const answer = await request(harness.server.port, HOST, '/');
    const error = answer.headers['x-kupstream-error'];
    return { status: answer.status, body: answer.body, error: typeof error === 'string' ? error : undefined };
  }

  it('before: the old CA alone verifies the old server and refuses the new one (certificate_untrusted)', async () => {
    assert.deepEqual(await reach(oldServer), { status: 200, body: 'old', error: undefined });
    const refused = await reach(newServer);
    assert.deepEqual([refused.status, refused.error], [502, 'certificate_untrusted']);
  });

  it('during: with both CAs in the bundle, servers of either CA are verified', async () => {
    harness.proxy.update(translate(oldCa.certPem + newCa.certPem));
    assert.deepEqual(await reach(oldServer), { status: 200, body: 'old', error: undefined });
    assert.deepEqual(await reach(newServer), { status: 200, body: 'new', error: undefined });
    // The order of the CAs in the bundle does not matter.
    harness.proxy.update(translate(newCa.certPem + oldCa.certPem));
    assert.deepEqual(await reach(oldServer), { status: 200, body: 'old', error: undefined });
    assert.deepEqual(await reach(newServer), { status: 200, body: 'new', error: undefined });
  });

  it('after: with the old CA removed, the old server is refused with certificate_untrusted', async () => {
    harness.proxy.update(translate(newCa.certPem));
    assert.deepEqual(await reach(newServer), { status: 200, body: 'new', error: undefined });
    const refused = await reach(oldServer);
    assert.deepEqual([refused.status, refused.error], [502, 'certificate_untrusted']);
  });

  it('an expired CA left in the bundle is dropped with a warning; the valid one still verifies', async () => {
    const retired = await createCa({
      subject: 'CN=BackendCA',
      notBefore: new Date(Date.now() - 400 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    const result = translateGatewayApi(snapshot(retired.certPem + newCa.certPem), { now: () => new Date(), assumeClassesWhenAbsent: true });
    assert.deepEqual(
      result.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.code),
      ['CertificateExpired'],
    );
    harness.proxy.update(result);
    assert.deepEqual(await reach(newServer), { status: 200, body: 'new', error: undefined });
    assert.equal((await reach(oldServer)).error, 'certificate_untrusted');
  });
});
