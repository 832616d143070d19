// `kupstream serve` through the built binary, against real TLS upstreams on loopback:
// the seed's three scenarios, reloading, and a clean stop.
import assert from 'node:assert/strict';
import { createSeedPki, issue, tlsSecret, type SeedPki } from '@kupstream/test-pki';
import { stringify } from 'yaml';
import { assertBuilt, runBinary, startServe, type ServeProcess } from './helpers/cli-process.js';
import { httpGet } from './helpers/http-get.js';
import { SEED_AGENT_ENDPOINT, SEED_GATEWAY, SEED_HTTPROUTE, SEED_INGRESS, SEED_SERVICE, clientCertSecretYaml, keyMaterialNeedles } from './helpers/seed-manifests.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { startTlsUpstream, type TlsUpstream, type UpstreamAnswer } from './helpers/tls-upstream.js';
import { waitFor } from './helpers/wait.js';

describe('e2e: kupstream serve (built binary, real TLS upstreams)', () => {
  let pki: SeedPki;
  let mtlsUpstream: TlsUpstream;
  let tlsUpstream: TlsUpstream;
  let dir: TempDir;
  let serve: ServeProcess | undefined;

  before(async () => {
    assertBuilt();
    pki = await createSeedPki();
    // server.crt / server.key terminate TLS; ca.crt validates client certificates (the seed's step 2).
    mtlsUpstream = await startTlsUpstream('mtls', { cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
    tlsUpstream = await startTlsUpstream('tls', { cert: pki.server.certPem, key: pki.server.keyPem });
  });
  after(async () => {
    await mtlsUpstream?.close();
    await tlsUpstream?.close();
  });
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    await serve?.stop('SIGKILL');
    serve = undefined;
    dir.remove();
  });

  async function answerFor(host: string, path = '/'): Promise<UpstreamAnswer> {
    assert.ok(serve);
    const answer = await httpGet(serve.port, host, path);
    assert.equal(answer.status, 200, `GET ${host}${path} → ${answer.status} ${JSON.stringify(answer.headers)} ${answer.body}\nserve stderr:\n${serve.stderr()}`);
    return JSON.parse(answer.body) as UpstreamAnswer;
  }

  it('Gateway API: Host example-hostname.ngrok.io reaches the mTLS upstream, which sees CN=ExampleClient', async () => {
    dir.write('gateway.yaml', SEED_GATEWAY);
    dir.write('httproute.yaml', SEED_HTTPROUTE);
    dir.write('service.yaml', SEED_SERVICE);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', '--resolve', `example-service.default:443=127.0.0.1:${mtlsUpstream.port}`]);
    assert.match(serve.stdout(), /^kupstream: serving 1 endpoint on http:\/\/127\.0\.0\.1:\d+\n$/);
    const answer = await answerFor('example-hostname.ngrok.io', '/hello');
    assert.deepEqual(answer, { upstream: 'mtls', path: '/hello', host: answer.host, clientSubject: 'CN=ExampleClient' });
    const code = await serve.stop('SIGTERM');
    assert.equal(code, 0, serve.stderr());
    assert.match(serve.stderr(), /kupstream: stopped\n$/);
    for (const needle of keyMaterialNeedles(pki)) assert.ok(!serve.stderr().includes(needle) && !serve.stdout().includes(needle), 'key material in the logs');
  });

  it('AgentEndpoint: the upstream https://my-service.my-namespace:8443 sees CN=ExampleClient', async () => {
    dir.write('agent-endpoint.yaml', SEED_AGENT_ENDPOINT);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', '--resolve', `my-service.my-namespace:8443=127.0.0.1:${mtlsUpstream.port}`]);
    const answer = await answerFor('example-hostname.ngrok.io');
    assert.equal(answer.upstream, 'mtls');
    assert.equal(answer.clientSubject, 'CN=ExampleClient');
  });

  it('Ingress: reaches the https upstream over TLS without a client certificate', async () => {
    dir.write('service.yaml', SEED_SERVICE);
    dir.write('ingress.yaml', SEED_INGRESS);
    serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', '--resolve', `example-service.default:443=127.0.0.1:${tlsUpstream.port}`]);
    const answer = await answerFor('example-hostname.ngrok.io');
    assert.equal(answer.upstream, 'tls');
    assert.equal(answer.clientSubject, null);
  });

  it('reloads on change: a new file adds a route; a broken file keeps the running configuration until fixed', async () => {
    dir.write('agent-endpoint.yaml', SEED_AGENT_ENDPOINT);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    serve = await startServe([
      '-f', dir.path, '--listen', '127.0.0.1:0',
      '--resolve', `my-service.my-namespace:8443=127.0.0.1:${mtlsUpstream.port}`,
      '--resolve', `second-service.default:9443=127.0.0.1:${mtlsUpstream.port}`,
    ]);
    const running = serve;
    assert.equal((await answerFor('example-hostname.ngrok.io')).clientSubject, 'CN=ExampleClient');
    assert.notEqual((await httpGet(running.port, 'second.ngrok.io')).status, 200, 'no route for second.ngrok.io yet');

    const secondEndpoint = SEED_AGENT_ENDPOINT.replace('example-agent-endpoint', 'second-agent-endpoint')
      .replace('https://example-hostname.ngrok.io', 'https://second.ngrok.io')
      .replace('https://my-service.my-namespace:8443', 'https://second-service.default:9443');
    dir.write('second.yaml', secondEndpoint);
    await waitFor('the new route', async () => (await httpGet(running.port, 'second.ngrok.io')).status === 200);
    assert.equal((await answerFor('second.ngrok.io', '/two')).clientSubject, 'CN=ExampleClient');
    assert.match(running.stderr(), /kupstream: reloaded: serving 2 endpoints\n/);

    const broken = dir.write('second.yaml', 'apiVersion: ngrok.k8s.ngrok.com/v1alpha1\nkind: AgentEndpoint\nmetadata: {name: [oops\n');
    await waitFor('the reload error', () => running.stderr().includes('reload failed'));
    assert.match(running.stderr(), new RegExp(`kupstream: cannot parse ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(document 1, line \\d+, column \\d+\\): `));
    assert.equal((await answerFor('second.ngrok.io')).clientSubject, 'CN=ExampleClient', 'the previous configuration still serves');

    dir.write('second.yaml', secondEndpoint);
    await waitFor('the recovery', () => running.stderr().includes('the input reads again and matches the running configuration'));
  });

  it('reloads a rotated client certificate: the upstream sees the new identity', async () => {
    dir.write('agent-endpoint.yaml', SEED_AGENT_ENDPOINT);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', '--resolve', `my-service.my-namespace:8443=127.0.0.1:${mtlsUpstream.port}`]);
    assert.equal((await answerFor('example-hostname.ngrok.io')).clientSubject, 'CN=ExampleClient');

    const rotated = await issue(pki.ca, { subject: 'CN=RotatedClient', extendedKeyUsage: ['clientAuth'] });
    dir.write('client-cert-secret.yaml', stringify(tlsSecret('client-cert-secret', rotated)));
    await waitFor('the rotated certificate at the upstream', async () => (await answerFor('example-hostname.ngrok.io')).clientSubject === 'CN=RotatedClient');
    assert.ok(!serve.stderr().includes('PRIVATE KEY'));
  });

  it('a listen address in use: exit 2 saying so', async () => {
    dir.write('agent-endpoint.yaml', SEED_AGENT_ENDPOINT);
    const run = await runBinary(['serve', '-f', dir.path, '--listen', `127.0.0.1:${mtlsUpstream.port}`]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`kupstream: cannot listen on 127\\.0\\.0\\.1:${mtlsUpstream.port}: the address is in use\n$`));
  });

  it('input that cannot be parsed: exit 2 before listening, the file named', async () => {
    const bad = dir.write('bad.yaml', 'kind: [\n');
    const run = await runBinary(['serve', '-f', dir.path, '--listen', '127.0.0.1:0']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, new RegExp(`^kupstream: cannot parse ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(document 1, line 2, column 1\\): `));
  });
});
