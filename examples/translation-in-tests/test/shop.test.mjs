// What do our manifests produce? The translators are pure functions of plain objects,
// so a test suite can answer that without a cluster: load YAML, translate, assert.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { SnapshotStore } from '@kupstream/core';
import { translateGatewayApi } from '@kupstream/gateway';
import { createSeedPki, tlsSecret } from '@kupstream/test-pki';

/**
 * Builds a snapshot from files of ./manifests, in order; an object of a later file
 * replaces the one of the same kind and name (as `kubectl apply` would).
 * @param {string[]} files
 * @param {object[]} [extra] objects made by the test (e.g. Secrets with run-time keys)
 */
function snapshotOf(files, extra = []) {
  const store = new SnapshotStore();
  for (const file of files) {
    const text = readFileSync(new URL(`../manifests/${file}`, import.meta.url), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
      assert.ok(store.upsert(doc.toJS()), `${file}: not an object the translators read`);
    }
  }
  for (const object of extra) store.upsert(object);
  return store.snapshot();
}

// A fixed clock keeps lastTransitionTime (and certificate validity checks) reproducible.
const now = () => new Date('2026-06-01T00:00:00Z');
const translate = (files, extra) => translateGatewayApi(snapshotOf(files, extra), { now });

/** The condition `type` of a Gateway, or of an HTTPRoute's first parent. */
function condition(result, kind, name, type) {
  const status = result.statuses.find((s) => s.kind === kind && s.name === name)?.status;
  assert.ok(status, `no status for ${kind} ${name}`);
  const conditions = kind === 'HTTPRoute' ? status.parents[0].conditions : status.conditions;
  return conditions.find((c) => c.type === type);
}

describe('translating the shop manifests', () => {
  it('gives shop.example.com one endpoint whose routes put /api before /', () => {
    const result = translate(['gateway.yaml', 'shop-route.yaml', 'services.yaml']);

    assert.deepEqual(
      result.endpoints.map((e) => e.url),
      ['https://shop.example.com'],
    );
    // Longest PathPrefix first, whatever the rule order in the HTTPRoute.
    const routes = result.endpoints[0].routes.map((r) => [r.matches[0].path.value, r.backends.map((b) => b.upstream)]);
    assert.deepEqual(routes, [
      ['/api', ['web/api:8443']],
      ['/', ['web/frontend:80']],
    ]);
    assert.equal(condition(result, 'HTTPRoute', 'shop', 'Accepted').status, 'True');
    assert.equal(condition(result, 'Gateway', 'shop', 'Programmed').status, 'True');
  });

  it('makes the upstream of the annotated Service https, and warns that it is not verified', () => {
    const result = translate(['gateway.yaml', 'shop-route.yaml', 'services.yaml']);
    const api = result.upstreams.find((u) => u.name === 'web/api:8443');
    const frontend = result.upstreams.find((u) => u.name === 'web/frontend:80');

    assert.equal(api.url, 'https://api.web:8443');
    assert.equal(api.tls.serverName, 'api.web');
    assert.deepEqual(api.tls.verification, { mode: 'none' });
    assert.equal(frontend.url, 'http://frontend.web:80');
    assert.equal(frontend.tls, undefined);
    const warning = result.diagnostics.find((d) => d.code === 'UpstreamNotVerified');
    assert.equal(warning?.resource.name, 'api');
  });

  it('refuses a backend in another namespace without a ReferenceGrant: the route answers 500', () => {
    const result = translate(['gateway.yaml', 'billing-route.yaml']);

    const resolved = condition(result, 'HTTPRoute', 'billing', 'ResolvedRefs');
    assert.equal(resolved.status, 'False');
    assert.equal(resolved.reason, 'RefNotPermitted');
    const billing = result.endpoints[0].routes.find((r) => r.matches[0].path.value === '/billing');
    assert.deepEqual(billing.backends, []);
    assert.deepEqual(billing.response, { status: 500 });
    assert.ok(!result.upstreams.some((u) => u.service?.namespace === 'billing'), 'no upstream into billing');
  });

  it('accepts the same backend once billing grants it', () => {
    const result = translate(['gateway.yaml', 'billing-route.yaml', 'billing-grant.yaml']);

    assert.equal(condition(result, 'HTTPRoute', 'billing', 'ResolvedRefs').status, 'True');
    const billing = result.endpoints[0].routes.find((r) => r.matches[0].path.value === '/billing');
    assert.deepEqual(billing.backends, [{ upstream: 'billing/invoices:80', weight: 1 }]);
    assert.equal(result.upstreams.find((u) => u.name === 'billing/invoices:80')?.url, 'http://invoices.billing:80');
  });

  it('sets Gateway ResolvedRefs=False when its client certificate Secret is missing, and dials nothing without it', () => {
    const result = translate(['gateway.yaml', 'shop-route.yaml', 'services.yaml', 'client-certificate.yaml']);

    const resolved = condition(result, 'Gateway', 'shop', 'ResolvedRefs');
    assert.equal(resolved.status, 'False');
    assert.equal(resolved.reason, 'InvalidClientCertificateRef');
    assert.equal(resolved.observedGeneration, 2);
    // A bad reference does not take the Gateway down...
    assert.equal(condition(result, 'Gateway', 'shop', 'Accepted').status, 'True');
    // ...but the TLS upstream that needed the certificate fails closed; plain http is untouched.
    const api = result.upstreams.find((u) => u.service?.name === 'api');
    assert.equal(api.unavailable?.code, 'InvalidClientCertificateRef');
    assert.equal(result.upstreams.find((u) => u.service?.name === 'frontend').unavailable, undefined);
  });

  it('presents the client certificate to the https upstream once the Secret exists', async function () {
    this.timeout(120000); // RSA key generation, on a loaded machine
    // Certificates are made now, never committed; their validity must cover `now()`.
    const pki = await createSeedPki({ notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2027-01-01T00:00:00Z') });
    const secret = tlsSecret('shop-client', pki.client, 'web');
    const result = translate(['gateway.yaml', 'shop-route.yaml', 'services.yaml', 'client-certificate.yaml'], [secret]);

    assert.equal(condition(result, 'Gateway', 'shop', 'ResolvedRefs').status, 'True');
    const api = result.upstreams.find((u) => u.service?.name === 'api');
    assert.equal(api.unavailable, undefined);
    assert.equal(api.tls.clientCertificate.subject, 'CN=ExampleClient');
    assert.deepEqual(api.tls.clientCertificate.secret, { namespace: 'web', name: 'shop-client' });
    // Never to the plain-text upstream.
    assert.equal(result.upstreams.find((u) => u.service?.name === 'frontend').tls, undefined);
    // The key stays beside the model, in the credential store the agent reads.
    assert.equal(result.credentials.get({ namespace: 'web', name: 'shop-client' })?.keyPem, pki.client.keyPem);
    assert.doesNotMatch(JSON.stringify(result), /PRIVATE KEY/);
  });
});
