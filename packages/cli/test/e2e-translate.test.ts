// `kupstream translate` through the built binary, on the seed's manifests as written.
import assert from 'node:assert/strict';
import type { TranslationModel, Upstream } from '@kupstream/core';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import { parse as parseYaml } from 'yaml';
import { assertBuilt, runBinary, type CliRun } from './helpers/cli-process.js';
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

/** The PKI is made now, valid from a day ago: a fixed --now for the whole run, inside that window. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');

function parseOutput(run: CliRun): TranslationModel {
  assert.equal(run.code, 0, `exit ${run.code}; stderr:\n${run.stderr}`);
  return JSON.parse(run.stdout) as TranslationModel;
}

function assertNoKeyMaterial(pki: SeedPki, ...texts: string[]): void {
  for (const text of texts)
    for (const needle of keyMaterialNeedles(pki))
      assert.ok(!text.includes(needle), `output contains key material (${needle.slice(0, 12)}…)`);
}

function assertNoStackTrace(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+\(.*:\d+:\d+\)|node:internal|Error: /, `stderr looks like a stack trace:\n${text}`);
}

describe('e2e: kupstream translate (built binary)', () => {
  let pki: SeedPki;
  let dir: TempDir;

  before(async () => {
    assertBuilt();
    pki = await createSeedPki();
  });
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  it('Gateway API: the seed Gateway, HTTPRoute, Service and client-cert-secret → endpoint, mTLS upstream, statuses', async () => {
    dir.write('gateway.yaml', SEED_GATEWAY);
    dir.write('httproute.yaml', SEED_HTTPROUTE);
    dir.write('service.yaml', SEED_SERVICE);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    const run = await runBinary(['translate', '-f', dir.path, '--now', NOW]);
    const model = parseOutput(run);
    assertNoKeyMaterial(pki, run.stdout, run.stderr);

    const endpoint = model.endpoints.find((e) => e.url === 'https://example-hostname.ngrok.io');
    assert.ok(endpoint, `no endpoint https://example-hostname.ngrok.io in ${run.stdout}`);
    const upstream = model.upstreams.find((u) => u.url === 'https://example-service.default:443');
    assert.ok(upstream, `no upstream https://example-service.default:443 in ${run.stdout}`);
    assert.deepEqual(upstream.tls?.clientCertificate?.secret, { namespace: 'default', name: 'client-cert-secret' });
    assert.equal(upstream.tls?.clientCertificate?.subject, 'CN=ExampleClient');
    assert.equal(upstream.tls?.clientCertificate?.issuer, 'CN=ExampleCA');
    assert.equal(upstream.tls?.clientCertificate?.sha256, pki.client.sha256);
    const backends = endpoint.routes.flatMap((r) => r.backends.map((b) => b.upstream));
    assert.ok(backends.includes(upstream.name), `the endpoint routes to ${backends.join(', ')}, not to ${upstream.name}`);
    assert.ok(
      model.statuses.some((s) => s.kind === 'Gateway' && s.name === 'example-gateway'),
      'a Gateway status',
    );
    assert.ok(
      model.statuses.some((s) => s.kind === 'HTTPRoute' && s.name === 'example-route'),
      'an HTTPRoute status',
    );
    // No GatewayClass in the seed: class "ngrok" is taken as ours, and said so.
    assert.ok(
      model.diagnostics.some((d) => d.severity === 'info' && d.code === 'GatewayClassAssumed'),
      'a GatewayClassAssumed diagnostic',
    );
  });

  it('is deterministic: the same input gives byte-identical output', async () => {
    dir.write('gateway.yaml', SEED_GATEWAY);
    dir.write('httproute.yaml', SEED_HTTPROUTE);
    dir.write('service.yaml', SEED_SERVICE);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    const first = await runBinary(['translate', '-f', dir.path, '--now', NOW]);
    const combined = makeTempDir();
    try {
      // The same objects in one file, in another order.
      const all = combined.write('all.yaml', [clientCertSecretYaml(pki), SEED_SERVICE, SEED_HTTPROUTE, SEED_GATEWAY].join('---\n'));
      const second = await runBinary(['translate', '-f', all, '--now', NOW]);
      assert.equal(first.code, 0);
      assert.equal(second.stdout, first.stdout);
    } finally {
      combined.remove();
    }
  });

  it('AgentEndpoint: the seed AgentEndpoint and client-cert-secret → upstream https://my-service.my-namespace:8443 with the secret', async () => {
    dir.write('agent-endpoint.yaml', SEED_AGENT_ENDPOINT);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    const run = await runBinary(['translate', '-f', dir.path, '--now', NOW]);
    const model = parseOutput(run);
    assertNoKeyMaterial(pki, run.stdout, run.stderr);
    assert.ok(model.endpoints.some((e) => e.url === 'https://example-hostname.ngrok.io'));
    const upstream = model.upstreams.find((u) => u.url === 'https://my-service.my-namespace:8443');
    assert.ok(upstream, `no upstream https://my-service.my-namespace:8443 in ${run.stdout}`);
    assert.deepEqual(upstream.tls?.clientCertificate?.secret, { namespace: 'default', name: 'client-cert-secret' });
  });

  it('Ingress: an Ingress to the seed Service → https upstream without a client certificate', async () => {
    dir.write('service.yaml', SEED_SERVICE);
    dir.write('ingress.yaml', SEED_INGRESS);
    const run = await runBinary(['translate', '-f', dir.path, '--now', NOW]);
    const model = parseOutput(run);
    assert.ok(
      model.endpoints.some((e) => e.url === 'https://example-hostname.ngrok.io'),
      run.stdout,
    );
    const upstream: Upstream | undefined = model.upstreams.find((u) => u.url === 'https://example-service.default:443');
    assert.ok(upstream, `no https upstream in ${run.stdout}`);
    assert.ok(upstream.tls, 'the upstream is dialed over TLS');
    assert.equal(upstream.tls.clientCertificate, undefined);
    assert.ok(
      model.diagnostics.some((d) => d.severity === 'info' && d.code === 'IngressClassAssumed'),
      'an IngressClassAssumed diagnostic',
    );
  });

  it('reads stdin (-f -) and reports kinds it does not read, naming file and document', async () => {
    const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: example-app\n';
    const run = await runBinary(['translate', '-f', '-', '--now', NOW], {
      input: `${SEED_AGENT_ENDPOINT}---\n${deployment}---\n${clientCertSecretYaml(pki)}`,
    });
    const model = parseOutput(run);
    assertNoKeyMaterial(pki, run.stdout, run.stderr);
    assert.ok(model.upstreams.some((u) => u.url === 'https://my-service.my-namespace:8443'));
    const ignored = model.diagnostics.find((d) => d.code === 'IgnoredKind');
    assert.deepEqual(ignored?.resource, { kind: 'Deployment', namespace: 'default', name: 'example-app' });
    // The Deployment starts on the line after the AgentEndpoint and its `---`.
    const line = SEED_AGENT_ENDPOINT.split('\n').length + 1;
    assert.equal(
      ignored?.message,
      `<stdin> (document 2, line ${line}): apps/v1 Deployment is not a kind kupstream reads; it is not translated`,
    );
  });

  it('--strict exits 1 when an error diagnostic is in the output (0 without it)', async () => {
    dir.write('service.yaml', SEED_SERVICE);
    dir.write('broken.yaml', 'apiVersion: v1\nmetadata:\n  name: no-kind\n');
    const relaxed = await runBinary(['translate', '-f', dir.path, '--now', NOW]);
    assert.equal(relaxed.code, 0, relaxed.stderr);
    assert.ok(
      (JSON.parse(relaxed.stdout) as TranslationModel).diagnostics.some(
        (d) => d.severity === 'error' && d.code === 'InvalidManifest' && d.field === 'kind',
      ),
    );
    const strict = await runBinary(['translate', '-f', dir.path, '--now', NOW, '--strict']);
    assert.equal(strict.code, 1);
    assert.equal(strict.stdout, relaxed.stdout, 'the JSON is printed either way');
    assert.match(strict.stderr, /^kupstream: --strict: 1 error diagnostic in the output\n$/);
  });

  describe('input that cannot be read or parsed: exit 2, the file named, nothing on stdout', () => {
    it('a missing file', async () => {
      const missing = `${dir.path}/missing.yaml`;
      const run = await runBinary(['translate', '-f', missing]);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, `kupstream: cannot read ${missing}: no such file or directory\n`);
    });

    it('a YAML syntax error: file, document, line and column', async () => {
      dir.write('a-good.yaml', SEED_SERVICE);
      const bad = dir.write(
        'b-bad.yaml',
        `${SEED_GATEWAY}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata: {tls.crt: [unclosed\n`,
      );
      const run = await runBinary(['translate', '-f', dir.path]);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.match(
        run.stderr,
        new RegExp(
          `^kupstream: cannot parse ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(document 2, line 2[0-9], column \\d+\\): .+\\n$`,
        ),
      );
      assertNoStackTrace(run.stderr);
    });

    it('a binary file', async () => {
      const bin = dir.write('image.yaml', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]));
      const run = await runBinary(['translate', '-f', bin]);
      assert.equal(run.code, 2);
      assert.equal(run.stderr, `kupstream: cannot parse ${bin}: binary content (a NUL byte at offset 8); expected YAML or JSON text\n`);
    });

    it('a Secret with a syntax error next to its key never echoes the key', async () => {
      const secret = clientCertSecretYaml(pki).replace('tls.key: ', 'tls.key: [');
      dir.write('secret.yaml', secret);
      const run = await runBinary(['translate', '-f', dir.path]);
      assert.equal(run.code, 2);
      assertNoKeyMaterial(pki, run.stdout, run.stderr);
    });
  });

  describe('usage', () => {
    it('an unknown flag: exit 2 with the usage', async () => {
      const run = await runBinary(['translate', '-f', dir.path, '--bogus']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^kupstream: Unknown option '--bogus'/);
      assert.match(run.stderr, /Usage: kupstream translate \(-f FILE\|DIR\|- \[-f \.\.\.\] \| --kubeconfig FILE/);
    });

    it('--help prints the usage on stdout and exits 0; --version prints the version', async () => {
      const help = await runBinary(['--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^Usage: kupstream <command>/);
      const version = await runBinary(['--version']);
      assert.equal(version.code, 0);
      assert.match(version.stdout, /^kupstream \d+\.\d+\.\d+\n$/);
    });

    it('translate --help and serve --help: every flag, examples and the exit codes', async () => {
      const translate = await runBinary(['translate', '--help']);
      const serve = await runBinary(['serve', '--help']);
      for (const [run, flags] of [
        [
          translate,
          [
            '--filename',
            '--kubeconfig',
            '--write-status',
            '--output json|yaml',
            '--strict',
            '--namespace',
            '--now',
            '--controller-name',
            '--ingress-controller-name',
            '--load-balancer-hostname',
          ],
        ],
        [
          serve,
          [
            '--filename',
            '--kubeconfig',
            '--write-status',
            '--listen',
            '--resolve',
            '--shutdown-timeout',
            '--log-format',
            '--admin HOST:PORT',
            '--admin-allow-remote',
            '--lease-namespace',
            '--lease-name',
            '--now',
          ],
        ],
      ] as const) {
        assert.equal(run.code, 0);
        assert.equal(run.stderr, '');
        for (const flag of flags) assert.ok(run.stdout.includes(flag), `${flag} in\n${run.stdout}`);
        assert.match(run.stdout, /\nExamples:\n {2}kupstream /);
        assert.match(run.stdout, /\nExit codes:\n {2}0 .*\n {2}1 .*--strict.*\n {2}2 .*unusable input/);
      }
    });
  });

  describe('--output yaml', () => {
    it('is the JSON document as YAML: the same keys in the same order, no key material', async () => {
      dir.write('seed.yaml', [SEED_GATEWAY, SEED_HTTPROUTE, SEED_SERVICE, clientCertSecretYaml(pki)].join('---\n'));
      const json = await runBinary(['translate', '-f', dir.path, '--now', NOW]);
      const yaml = await runBinary(['translate', '-f', dir.path, '--now', NOW, '--output', 'yaml']);
      assert.equal(yaml.code, 0, yaml.stderr);
      assert.match(
        yaml.stdout,
        /^endpoints:\n {2}- name: default\/example-gateway\/example\/example-hostname\.ngrok\.io\n {4}url: https:\/\/example-hostname\.ngrok\.io\n/,
      );
      // Parsed back and printed as JSON, it is byte for byte the JSON output: values and key order.
      assert.equal(`${JSON.stringify(parseYaml(yaml.stdout), null, 2)}\n`, json.stdout);
      assertNoKeyMaterial(pki, yaml.stdout, yaml.stderr);
    });
  });
});
