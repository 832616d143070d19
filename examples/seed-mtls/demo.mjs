#!/usr/bin/env node
// The seed document, end to end: its PKI made now, an upstream that demands client
// certificates, its manifests translated by kupstream, and the agent dialing that
// upstream with the client certificate from the `client-cert-secret` Secret.
// Exits non-zero if any step of the story does not hold.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { mergeResults, snapshotKeyFor, toStableJson, translateAgentEndpoints } from '@kupstream/core';
import { translateGatewayApi } from '@kupstream/gateway';
import { translateIngresses } from '@kupstream/ingress';
import { createSeedPki, tlsSecret } from '@kupstream/test-pki';
import { startUpstream, serveModel, request } from './lib/servers.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const keepRunning = process.argv.includes('--inspect');
const failures = [];
const check = (ok, what) => {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
const heading = (text) => console.log(`\n== ${text}`);

/** Reads a scenario's manifests like `kubectl apply -f DIR` would see them. */
function loadSnapshot(dir, extra = []) {
  const snapshot = {};
  const objects = readdirSync(dir)
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
        .map((doc) => doc.toJS())
        .filter(Boolean),
    );
  for (const object of [...objects, ...extra]) {
    const key = snapshotKeyFor(object.apiVersion, object.kind);
    if (!key) continue;
    object.metadata ??= {};
    object.metadata.namespace ??= 'default';
    (snapshot[key] ??= []).push(object);
  }
  return snapshot;
}

function translate(snapshot) {
  const options = { assumeClassesWhenAbsent: true };
  return mergeResults(
    translateGatewayApi(snapshot, options),
    translateIngresses(snapshot, options),
    translateAgentEndpoints(snapshot, options),
  );
}

function describeModel(result) {
  for (const endpoint of result.endpoints) {
    console.log(`  endpoint ${endpoint.url}  (from ${endpoint.sources.map((s) => `${s.kind} ${s.namespace}/${s.name}`).join(', ')})`);
    for (const route of endpoint.routes) {
      const match = route.matches.map((m) => (m.path ? `${m.path.type} ${m.path.value}` : 'any')).join(' | ') || 'everything';
      console.log(
        `    route ${match} -> ${route.backends.map((b) => `${b.upstream} (weight ${b.weight})`).join(', ') || `answer ${route.response?.status}`}`,
      );
    }
  }
  for (const upstream of result.upstreams) {
    console.log(`  upstream ${upstream.url}  protocol ${upstream.protocol}`);
    const tls = upstream.tls;
    if (!tls) continue;
    console.log(`    TLS: SNI ${tls.serverName}, ALPN ${tls.alpn.join(',')}, min ${tls.minVersion}, verification ${tls.verification.mode}`);
    const cert = tls.clientCertificate;
    console.log(
      cert
        ? `    client certificate: ${cert.subject} issued by ${cert.issuer}, from Secret ${cert.secret.namespace}/${cert.secret.name}, expires ${cert.notAfter}`
        : '    client certificate: none',
    );
  }
  for (const d of result.diagnostics)
    console.log(`  ${d.severity}: ${d.code} on ${d.resource.kind} ${d.resource.namespace ?? ''}/${d.resource.name}: ${d.message}`);
}

heading('1. The seed PKI, generated now (steps 1–8 of the seed)');
const pki = await createSeedPki();
console.log(`  CA ${pki.ca.subject}; server ${pki.server.subject}; client ${pki.client.subject} (extendedKeyUsage clientAuth)`);
const secret = tlsSecret('client-cert-secret', pki.client, 'default'); // kubectl create secret tls client-cert-secret --cert=client.crt --key=client.key

heading('2. Upstreams on loopback');
const mtlsUpstream = await startUpstream({ cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
const tlsUpstream = await startUpstream({ cert: pki.server.certPem, key: pki.server.keyPem });
console.log(`  https://127.0.0.1:${mtlsUpstream.port}  server.crt, requires a client certificate signed by ca.crt`);
console.log(`  https://127.0.0.1:${tlsUpstream.port}  server.crt, no client certificate asked (the Ingress case)`);

const servers = [mtlsUpstream, tlsUpstream];
try {
  heading('3. Gateway API: Gateway + HTTPRoute + annotated Service + client-cert-secret');
  const gatewaySnapshot = loadSnapshot(join(here, 'manifests/gateway-api'), [secret]);
  const gateway = translate(gatewaySnapshot);
  describeModel(gateway);
  const json = toStableJson(gateway);
  check(!json.includes('PRIVATE KEY'), 'the translated model holds no private key');
  const upstream = gateway.upstreams.find((u) => u.url === 'https://example-service.default:443');
  check(
    gateway.endpoints.some((e) => e.url === 'https://example-hostname.ngrok.io'),
    'endpoint https://example-hostname.ngrok.io',
  );
  check(
    upstream?.tls?.clientCertificate?.secret.name === 'client-cert-secret',
    'upstream https://example-service.default:443 presents default/client-cert-secret',
  );

  const agent = await serveModel(gateway, { 'example-service.default:443': mtlsUpstream.port }, { inspector: true });
  servers.push(agent);
  console.log(`  inspector (what the agent is doing): ${agent.inspectorUrl}${keepRunning ? '' : '  (run with --inspect to keep it up)'}`);
  const answer = await request(agent.port, 'example-hostname.ngrok.io', '/hello');
  console.log(`  GET http://example-hostname.ngrok.io/hello through the agent -> ${answer.status}: ${answer.body.trim()}`);
  check(answer.status === 200 && answer.body.includes('CN=ExampleClient'), 'the upstream saw the client certificate CN=ExampleClient');
  const seen = await (await fetch(`${agent.inspectorUrl}api/requests`)).json();
  const listed = JSON.stringify(seen);
  check(listed.includes('example-hostname.ngrok.io') && listed.includes('/hello'), 'the inspector lists the request');
  const upstreamsView = JSON.stringify(await (await fetch(`${agent.inspectorUrl}api/upstreams`)).json());
  check(
    upstreamsView.includes('CN=ExampleClient') && !upstreamsView.includes('PRIVATE KEY'),
    'the inspector shows the upstream with CN=ExampleClient, and no key',
  );

  heading('4. The same route without the client certificate (Gateway without backendTLS)');
  const withoutCert = structuredClone(gatewaySnapshot);
  delete withoutCert.gateways[0].spec.backendTLS;
  const bare = translate(withoutCert);
  await agent.swap(bare);
  const refused = await request(agent.port, 'example-hostname.ngrok.io', '/hello');
  console.log(
    `  GET http://example-hostname.ngrok.io/hello through the agent -> ${refused.status} x-kupstream-error: ${refused.headers['x-kupstream-error']}: ${refused.body.trim()}`,
  );
  console.log(`  upstream log: ${mtlsUpstream.log.at(-1) ?? '(nothing)'}`);
  check(
    refused.status === 502 && /client.certificate/.test(String(refused.headers['x-kupstream-error'])),
    'the upstream refused the handshake without a client certificate',
  );

  heading('5. AgentEndpoint with clientCertificateRefs');
  const aep = translate(loadSnapshot(join(here, 'manifests/agent-endpoint'), [secret]));
  describeModel(aep);
  const aepAgent = await serveModel(aep, { 'my-service.my-namespace:8443': mtlsUpstream.port });
  servers.push(aepAgent);
  const aepAnswer = await request(aepAgent.port, 'example-hostname.ngrok.io', '/');
  console.log(`  GET http://example-hostname.ngrok.io/ through the agent -> ${aepAnswer.status}: ${aepAnswer.body.trim()}`);
  check(
    aepAnswer.status === 200 && aepAnswer.body.includes('CN=ExampleClient'),
    'https://my-service.my-namespace:8443 saw CN=ExampleClient',
  );

  heading('6. Ingress to the annotated Service: https upstream, no client certificate');
  const ingress = translate(loadSnapshot(join(here, 'manifests/ingress')));
  describeModel(ingress);
  const ingressAgent = await serveModel(ingress, { 'example-service.default:443': tlsUpstream.port });
  servers.push(ingressAgent);
  const ingressAnswer = await request(ingressAgent.port, 'example-hostname.ngrok.io', '/');
  console.log(`  GET http://example-hostname.ngrok.io/ through the agent -> ${ingressAnswer.status}: ${ingressAnswer.body.trim()}`);
  check(ingressAnswer.status === 200 && ingressAnswer.body.includes('over TLS'), 'the https upstream answered over TLS');
  check(
    ingress.upstreams.every((u) => !u.tls?.clientCertificate),
    'the Ingress upstream presents no client certificate',
  );
} catch (error) {
  failures.push(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  console.log(`  FAIL ${failures.at(-1)}`);
} finally {
  if (keepRunning && failures.length === 0) {
    console.log('\n--inspect: the Gateway scenario keeps running; press Ctrl-C to stop.');
    await new Promise((resolve) => process.once('SIGINT', resolve));
  }
  await Promise.all(servers.map((s) => s.close()));
}

heading(failures.length ? `demo FAILED: ${failures.join('; ')}` : 'demo passed: the seed works as written');
process.exitCode = failures.length ? 1 : 0;
