#!/usr/bin/env node
// The custom proxy end to end: a throw-away PKI, an upstream that demands a client
// certificate, one AgentEndpoint translated by kupstream, and our own proxy in front.
// Exits non-zero when the upstream did not see the client certificate.
import http from 'node:http';
import { Agent as UndiciAgent, request as undiciRequest } from 'undici';
import { createUpstreamDialer } from '@kupstream/agent';
import { translateAgentEndpoints } from '@kupstream/core';
import { createSeedPki, issue, tlsSecret } from '@kupstream/test-pki';
import { startProxy } from './proxy.mjs';
import { startMtlsUpstream } from './lib/upstream.mjs';

const failures = [];
const check = (ok, what) => {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

// 1. Certificates made now (CA, server, client CN=ExampleClient); nothing is committed.
const pki = await createSeedPki();
const upstreamServer = await startMtlsUpstream({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });

// 2. The model: where the upstream is and which Secret holds its client certificate.
//    Any translator works; an AgentEndpoint is the shortest way to say it.
const result = translateAgentEndpoints({
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
const upstream = result.upstreams[0];
console.log(`upstream ${upstream.url}, client certificate ${upstream.tls.clientCertificate.subject} from Secret shop/orders-client`);

// orders.shop does not resolve here: send it to the loopback server (like curl --resolve).
const resolve = (host, port) => (host === 'orders.shop' && port === 8443 ? { host: '127.0.0.1', port: upstreamServer.port } : undefined);
const proxy = await startProxy({ upstream, credentials: result.credentials, resolve, log: (line) => console.log(`  [proxy] ${line}`) });
const dispatcher = new UndiciAgent({
  connect: createUpstreamDialer(upstream, { credentials: result.credentials, resolve }).createConnection,
});

try {
  console.log(`\n== two requests through the custom proxy on http://127.0.0.1:${proxy.port}`);
  const first = await get(proxy.port, '/orders/1');
  const second = await get(proxy.port, '/orders/2');
  for (const answer of [first, second]) console.log(`  ${answer.status} upstream saw: ${answer.body}`);
  const seen = JSON.parse(first.body);
  check(first.status === 200 && seen.clientCertificate === 'CN=ExampleClient', 'the upstream saw the client certificate CN=ExampleClient');
  check(seen.sni === 'orders.shop' && seen.host === 'orders.shop:8443', 'SNI and Host name the upstream, not the proxy');
  check(seen.requestId === first.headers['x-request-id'], 'our x-request-id reached the upstream and came back');
  check(JSON.parse(second.body).connection === seen.connection, 'the second request reused the kept-alive mTLS connection');

  console.log('\n== the same upstream through undici, with the dialer as its `connect`');
  const answer = await undiciRequest(`${upstream.url}/orders/3`, { dispatcher });
  const body = await answer.body.text();
  console.log(`  ${answer.statusCode} upstream saw: ${body}`);
  check(JSON.parse(body).clientCertificate === 'CN=ExampleClient', 'undici went through the same mutual TLS');

  console.log('\n== the Secret is rotated: the next request dials a new connection with the new certificate');
  const rotated = await issue(pki.ca, { subject: 'CN=ExampleClient-rotated', extendedKeyUsage: ['clientAuth'], keyType: 'ec' });
  result.credentials.set({ namespace: 'shop', name: 'orders-client' }, { certChainPem: rotated.certPem, keyPem: rotated.keyPem });
  const after = await get(proxy.port, '/orders/4');
  console.log(`  ${after.status} upstream saw: ${after.body}`);
  check(JSON.parse(after.body).clientCertificate === 'CN=ExampleClient-rotated', 'the upstream saw the rotated certificate');
  check(JSON.parse(after.body).connection !== seen.connection, 'on a new connection: the old one is not reused under the new identity');

  console.log('\n== the Secret is gone from the credential store: the dialer fails closed');
  result.credentials.delete({ namespace: 'shop', name: 'orders-client' });
  const refused = await get(proxy.port, '/orders/5');
  console.log(`  ${refused.status} x-upstream-error: ${refused.headers['x-upstream-error']}`);
  check(
    refused.status === 502 && refused.headers['x-upstream-error'] === 'client_certificate_missing',
    'answered 502 client_certificate_missing, nothing dialed without the certificate',
  );
} catch (error) {
  check(false, `unexpected error: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await dispatcher.close();
  await proxy.close();
  await upstreamServer.close();
}

console.log(failures.length ? `\ncustom proxy FAILED: ${failures.join('; ')}` : '\ncustom proxy passed');
process.exitCode = failures.length ? 1 : 0;

/** GET through the proxy, as any HTTP client would. */
function get(port, path) {
  return new Promise((done, fail) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res
          .setEncoding('utf8')
          .on('data', (chunk) => (body += chunk))
          .on('end', () => done({ status: res.statusCode, headers: res.headers, body }));
      })
      .on('error', fail);
  });
}
