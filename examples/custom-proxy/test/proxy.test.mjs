// startProxy on its own, against upstreams that accept and that refuse our certificate.
import assert from 'node:assert/strict';
import http from 'node:http';
import { translateAgentEndpoints } from '@kupstream/core';
import { createCa, createSeedPki, tlsSecret } from '@kupstream/test-pki';
import { startProxy } from '../proxy.mjs';
import { startMtlsUpstream } from '../lib/upstream.mjs';

function modelFor(pki) {
  return translateAgentEndpoints({
    agentEndpoints: [
      {
        apiVersion: 'ngrok.k8s.ngrok.com/v1alpha1',
        kind: 'AgentEndpoint',
        metadata: { name: 'orders', namespace: 'shop' },
        spec: {
          url: 'https://orders.example.com',
          upstream: { url: 'https://orders.shop:8443' },
          clientCertificateRefs: [{ name: 'orders-client' }],
        },
      },
    ],
    secrets: [tlsSecret('orders-client', pki.client, 'shop')],
  });
}

function post(port, path, body) {
  return new Promise((done, fail) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'x-request-id': 'req-42' } },
      (res) => {
        let text = '';
        res
          .setEncoding('utf8')
          .on('data', (chunk) => (text += chunk))
          .on('end', () => done({ status: res.statusCode, headers: res.headers, body: text }));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

describe('startProxy', () => {
  let pki;
  before(async () => {
    pki = await createSeedPki();
  });

  /** Runs `body` with an upstream trusting `clientCa` and the proxy in front of it; closes both. */
  async function withProxy(clientCa, body) {
    const upstreamServer = await startMtlsUpstream({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa });
    const result = modelFor(pki);
    const log = [];
    const resolve = (host, port) =>
      host === 'orders.shop' && port === 8443 ? { host: '127.0.0.1', port: upstreamServer.port } : undefined;
    const proxy = await startProxy({
      upstream: result.upstreams[0],
      credentials: result.credentials,
      resolve,
      log: (line) => log.push(line),
    });
    try {
      await body(proxy, log);
    } finally {
      await proxy.close();
      await upstreamServer.close();
    }
  }

  it('keeps the caller request id and logs the client identity used', () =>
    withProxy(pki.ca.certPem, async (proxy, log) => {
      const answer = await post(proxy.port, '/orders', '{"item":1}');
      const seen = JSON.parse(answer.body);
      assert.equal(answer.status, 200);
      assert.deepEqual([seen.method, seen.url, seen.requestId, seen.clientCertificate], ['POST', '/orders', 'req-42', 'CN=ExampleClient']);
      assert.equal(answer.headers['x-request-id'], 'req-42');
      assert.match(log[0], /^req-42 POST \/orders -> 200 as shop\/orders-client@1 in \d+ ms$/);
    }));

  it('answers 502 client_certificate_rejected when the upstream trusts another CA', async () => {
    const otherCa = await createCa({ subject: 'CN=SomeOtherCA', keyType: 'ec' });
    await withProxy(otherCa.certPem, async (proxy, log) => {
      const answer = await post(proxy.port, '/orders', '{"item":2}');
      assert.equal(answer.status, 502);
      assert.equal(answer.headers['x-upstream-error'], 'client_certificate_rejected');
      assert.match(log[0], /^req-42 POST \/orders -> 502 client_certificate_rejected: /);
      assert.doesNotMatch(log.join('\n'), /PRIVATE KEY/);
    });
  });
});
