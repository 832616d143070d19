// The README's embedding example, run against a real mTLS upstream.
import assert from 'node:assert/strict';
import { createSeedPki } from '@kupstream/test-pki';
import { startCustomProxy } from '../examples/custom-proxy.js';
import { storeWith, toLoopback, upstream } from './support/fixtures.js';
import { request } from './support/proxy-harness.js';
import { httpsEchoServer, type Echo } from './support/servers.js';

describe('examples/custom-proxy', () => {
  it('forwards through the dialer with the client certificate, and reports typed failures', async () => {
    const pki = await createSeedPki();
    const server = await httpsEchoServer({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
    const withCert = await startCustomProxy(upstream({ client: pki.client }), storeWith(pki.client), toLoopback(server.port));
    const withoutCert = await startCustomProxy(upstream({ client: false }), storeWith(), toLoopback(server.port));
    try {
      const ok = await request(withCert.port, 'anything', '/example');
      assert.equal((JSON.parse(ok.body) as Echo).subject, 'CN=ExampleClient');
      const refused = await request(withoutCert.port, 'anything');
      assert.equal(refused.status, 502);
      assert.equal(refused.headers['x-upstream-error'], 'client_certificate_required');
    } finally {
      await withCert.close();
      await withoutCert.close();
      await server.close();
    }
  });
});
