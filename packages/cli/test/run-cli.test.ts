// runCli in-process: the same behaviour as the binary, with in-memory streams.
import assert from 'node:assert/strict';
import type { TranslationModel } from '@kupstream/core';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import { runCli } from '../src/run-cli.js';
import { memoryIo } from './helpers/memory-io.js';
import {
  SEED_AGENT_ENDPOINT,
  SEED_GATEWAY,
  SEED_HTTPROUTE,
  SEED_INGRESS,
  SEED_SERVICE,
  clientCertSecretYaml,
  keyMaterialNeedles,
} from './helpers/seed-manifests.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { startTlsUpstream } from './helpers/tls-upstream.js';
import { httpGet } from './helpers/http-get.js';
import { waitFor } from './helpers/wait.js';

/** Inside the validity window of the PKI made at test time. */
const NOW = new Date().toISOString();

describe('runCli (in-process)', () => {
  let pki: SeedPki;
  let dir: TempDir;
  before(async () => {
    pki = await createSeedPki();
  });
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  it('translate: JSON on stdout, nothing on stderr, exit 0', async () => {
    dir.write('seed.yaml', [SEED_GATEWAY, SEED_HTTPROUTE, SEED_SERVICE, clientCertSecretYaml(pki)].join('---\n'));
    const io = memoryIo();
    const code = await runCli(['translate', '-f', dir.path, '--now', NOW], io);
    assert.equal(code, 0, io.stderrText());
    assert.equal(io.stderrText(), '');
    const model = JSON.parse(io.stdoutText()) as TranslationModel;
    assert.ok(model.upstreams.some((u) => u.tls?.clientCertificate?.secret.name === 'client-cert-secret'));
    for (const needle of keyMaterialNeedles(pki)) assert.ok(!io.stdoutText().includes(needle));
  });

  it('--namespace places objects without one, as kubectl -n does', async () => {
    const io = memoryIo(SEED_AGENT_ENDPOINT.replace('namespace: default', 'namespace: team-a') + '---\n' + clientCertSecretYaml(pki));
    const code = await runCli(['translate', '-f', '-', '-n', 'team-a', '--now', NOW], io);
    assert.equal(code, 0, io.stderrText());
    const model = JSON.parse(io.stdoutText()) as TranslationModel;
    const upstream = model.upstreams.find((u) => u.url === 'https://my-service.my-namespace:8443');
    assert.deepEqual(upstream?.tls?.clientCertificate?.secret, { namespace: 'team-a', name: 'client-cert-secret' });
  });

  it('--controller-name selects the GatewayClass this controller serves', async () => {
    const gatewayClass = (controller: string) =>
      `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: ngrok}\nspec: {controllerName: ${controller}}\n`;
    const input = [gatewayClass('example.com/gateway'), SEED_GATEWAY, SEED_HTTPROUTE, SEED_SERVICE, clientCertSecretYaml(pki)].join(
      '---\n',
    );
    const endpointsWith = async (args: string[]) => {
      const io = memoryIo(input);
      assert.equal(await runCli(['translate', '-f', '-', '--now', NOW, ...args], io), 0, io.stderrText());
      return (JSON.parse(io.stdoutText()) as TranslationModel).endpoints.map((e) => e.url);
    };
    assert.deepEqual(await endpointsWith([]), [], 'the default controller does not serve example.com/gateway');
    assert.deepEqual(await endpointsWith(['--controller-name', 'example.com/gateway']), ['https://example-hostname.ngrok.io']);
  });

  it('--ingress-controller-name selects the IngressClass this controller serves', async () => {
    const ingressClass =
      'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: ngrok}\nspec: {controller: example.com/ingress}\n';
    const endpointsWith = async (args: string[]) => {
      const io = memoryIo([ingressClass, SEED_SERVICE, SEED_INGRESS].join('---\n'));
      assert.equal(await runCli(['translate', '-f', '-', '--now', NOW, ...args], io), 0, io.stderrText());
      return (JSON.parse(io.stdoutText()) as TranslationModel).endpoints.map((e) => e.url);
    };
    assert.deepEqual(await endpointsWith([]), []);
    assert.deepEqual(await endpointsWith(['--ingress-controller-name', 'example.com/ingress']), ['https://example-hostname.ngrok.io']);
  });

  it('--load-balancer-hostname reaches the Ingress status', async () => {
    const io = memoryIo([SEED_SERVICE, SEED_INGRESS].join('---\n'));
    assert.equal(
      await runCli(['translate', '-f', '-', '--now', NOW, '--load-balancer-hostname', 'lb.example.com'], io),
      0,
      io.stderrText(),
    );
    const status = (JSON.parse(io.stdoutText()) as TranslationModel).statuses.find((s) => s.kind === 'Ingress');
    assert.ok(JSON.stringify(status?.status).includes('"hostname":"lb.example.com"'), JSON.stringify(status));
  });

  it('unparseable input: exit 2, every problem listed, stdout untouched', async () => {
    const a = dir.write('a.yaml', 'a: [\n');
    const b = dir.write('b.yaml', 'x: 1\nx: 2\n');
    const io = memoryIo();
    assert.equal(await runCli(['translate', '-f', dir.path], io), 2);
    assert.equal(io.stdoutText(), '');
    assert.equal(
      io.stderrText(),
      `kupstream: cannot parse ${a} (document 1, line 2, column 1): Flow sequence in block collection must be sufficiently indented and end with a ]\n` +
        `kupstream: cannot parse ${b} (document 1, line 2, column 1): Map keys must be unique\n`,
    );
  });

  it('serve: listens, answers through the agent, and stops on the abort signal', async () => {
    const upstream = await startTlsUpstream('mtls', { cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
    const stop = new AbortController();
    const io = memoryIo(undefined, stop.signal);
    dir.write('aep.yaml', SEED_AGENT_ENDPOINT);
    dir.write('secret.yaml', clientCertSecretYaml(pki));
    const running = runCli(
      ['serve', '-f', dir.path, '--listen', '127.0.0.1:0', '--resolve', `my-service.my-namespace:8443=127.0.0.1:${upstream.port}`],
      io,
    );
    try {
      const port = await waitFor('the listening line', () => /on http:\/\/127\.0\.0\.1:(\d+)/.exec(io.stdoutText())?.[1]);
      const answer = await httpGet(Number(port), 'example-hostname.ngrok.io');
      assert.equal(answer.status, 200, answer.body);
      assert.equal((JSON.parse(answer.body) as { clientSubject: string }).clientSubject, 'CN=ExampleClient');
    } finally {
      stop.abort();
      assert.equal(await running, 0, io.stderrText());
      await upstream.close();
    }
  });
});
