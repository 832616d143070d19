// Per-backend client identity through the binary: two Services behind the seed's Gateway,
// both reached over mutual TLS by one nginx that requires a client certificate of the CA.
// The seed Service presents the Gateway's certificate (CN=ExampleClient); the other Service
// names its own Secret with `kupstream.dev/client-certificate` and presents CN=BillingClient.
// nginx echoes and logs the subject it verified.
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { createSeedPki, issue, tlsSecret, type SeedPki } from '@kupstream/test-pki';
import { startServe, servingPort, type ServeProcess } from './helpers/cli-process.js';
import { httpGet } from './helpers/http-get.js';
import { startNginxHttps, type NginxHttps } from './helpers/nginx-https.js';
import { clientCertSecretYaml, SEED_GATEWAY, SEED_SERVICE } from './helpers/seed-manifests.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: example-route
  namespace: default
spec:
  hostnames: [example-hostname.ngrok.io]
  parentRefs: [{name: example-gateway}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /billing}}]
      backendRefs: [{name: billing, port: 443}]
    - matches: [{path: {type: PathPrefix, value: /}}]
      backendRefs: [{name: example-service, port: 443}]
`;

const BILLING_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: billing
  namespace: default
  annotations:
    k8s.ngrok.com/app-protocols: '{"https":"HTTPS"}'
    kupstream.dev/client-certificate: billing-client
spec:
  ports:
    - {name: https, port: 443, targetPort: 8443}
`;

interface Echo {
  subject: string;
  verify: string;
}

describe('serve: a Service with kupstream.dev/client-certificate presents its own identity', function () {
  this.timeout(60_000);
  let pki: SeedPki;
  let nginx: NginxHttps;
  let dir: TempDir;
  let serve: ServeProcess | undefined;
  before(async () => {
    pki = await createSeedPki({ serverNames: ['example-service.default', 'billing.default'] });
    nginx = await startNginxHttps({ serverCertPem: pki.server.certPem, serverKeyPem: pki.server.keyPem, clientCaPem: pki.ca.certPem });
    dir = makeTempDir();
    const billing = await issue(pki.ca, { subject: 'CN=BillingClient', extendedKeyUsage: ['clientAuth'] });
    dir.write('gateway.yaml', SEED_GATEWAY);
    dir.write('httproute.yaml', ROUTE);
    dir.write('service.yaml', SEED_SERVICE);
    dir.write('billing.yaml', BILLING_SERVICE);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    dir.write('billing-client.yaml', stringify(tlsSecret('billing-client', billing, 'default')));
  });
  after(async () => {
    await serve?.stop('SIGKILL');
    await nginx?.stop();
    dir?.remove();
  });

  it('each Service presents its identity to nginx, which verifies both', async () => {
    serve = await startServe([
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--resolve',
      `example-service.default:443=127.0.0.1:${nginx.port}`,
      '--resolve',
      `billing.default:443=127.0.0.1:${nginx.port}`,
    ]);
    const port = await servingPort(serve);
    const gatewayIdentity = await httpGet(port, 'example-hostname.ngrok.io', '/orders');
    assert.equal(gatewayIdentity.status, 200, `${gatewayIdentity.body}\n${serve.stderr()}`);
    assert.deepEqual(JSON.parse(gatewayIdentity.body) as Echo, {
      subject: 'CN=ExampleClient',
      verify: 'SUCCESS',
      servername: 'example-service.default',
    });
    const ownIdentity = await httpGet(port, 'example-hostname.ngrok.io', '/billing/invoices');
    assert.equal(ownIdentity.status, 200, `${ownIdentity.body}\n${serve.stderr()}`);
    assert.deepEqual(JSON.parse(ownIdentity.body) as Echo, {
      subject: 'CN=BillingClient',
      verify: 'SUCCESS',
      servername: 'billing.default',
    });
    // nginx writes a request's access-log line after its response: wait for both lines.
    await waitFor('both requests in the access log', () => /subject=CN=BillingClient verify=SUCCESS/.test(nginx.accessLog()));
    const log = nginx.accessLog();
    assert.match(log, /subject=CN=ExampleClient verify=SUCCESS/);
    assert.match(log, /subject=CN=BillingClient verify=SUCCESS/);
  });

  it('a Service naming a Secret it may not use fails closed: 5xx, never the Gateway identity instead', async () => {
    await serve?.stop('SIGKILL');
    dir.write('billing.yaml', BILLING_SERVICE.replace('billing-client', 'payments/billing-client'));
    serve = await startServe([
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--resolve',
      `example-service.default:443=127.0.0.1:${nginx.port}`,
      '--resolve',
      `billing.default:443=127.0.0.1:${nginx.port}`,
    ]);
    const port = await servingPort(serve);
    const before = nginx.accessLog().split('\n').length;
    const refused = await httpGet(port, 'example-hostname.ngrok.io', '/billing/invoices');
    assert.ok(refused.status >= 500, `${refused.status} ${refused.body}`);
    assert.equal(refused.headers['x-kupstream-error'], 'upstream_unavailable');
    assert.equal(nginx.accessLog().split('\n').length, before, 'nginx saw no request');
    assert.match(serve.stderr(), /RefNotPermitted/);
  });
});
