// Secret hygiene of the binary: everything `kupstream` prints — translate's JSON and YAML,
// --strict's report, the refusals of unparseable files that hold keys, and `serve`'s logs
// while its mutual-TLS upstream rejects it — must hold no private key material.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { CLI, makeTempDir, runKupstream, type TempDir } from './support/cli.js';
import { KeyScanner } from './support/leaks.js';
import { buildSecretWorld, type SecretWorld } from './support/secret-manifests.js';
import { closedPort, startHttpsServer, type RunningServer } from './support/tls-servers.js';

function assertClean(scanner: KeyScanner, texts: Record<string, string>): void {
  assert.deepEqual(
    Object.entries(texts).flatMap(([where, text]) => scanner.scan(text, where)),
    [],
  );
}

/** `kupstream serve` until its serving line; SIGTERM stops it and yields all it printed. */
async function serve(args: string[]): Promise<{ port: number; stop(): Promise<{ code: number | null; stdout: string; stderr: string }> }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return { code, stdout, stderr };
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const port = /serving .* on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1];
    if (port) return { port: Number(port), stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`serve did not start; stdout: ${stdout}\nstderr: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function get(port: number, host: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: JSON.stringify(res.headers), body }));
    });
    req.setTimeout(20_000, () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', reject);
  });
}

describe('secret hygiene: the kupstream binary', () => {
  let world: SecretWorld;
  let scanner: KeyScanner;
  let dir: TempDir;
  let manifests: string;

  before(async () => {
    world = await buildSecretWorld();
    scanner = new KeyScanner(world.keys);
    dir = makeTempDir();
    manifests = dir.write('world/manifests.yaml', world.yaml);
  });
  after(() => dir.remove());

  it('prints no key in translate JSON, YAML, or --strict output', async () => {
    const json = await runKupstream(['translate', '-f', manifests]);
    const yaml = await runKupstream(['translate', '-f', manifests, '--output', 'yaml']);
    const strict = await runKupstream(['translate', '-f', manifests, '--strict']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.equal(strict.code, 1, strict.stderr);
    // The output does describe the credentials, by reference and fingerprint.
    assert.match(json.stdout, /"name": "good-client"/);
    assertClean(scanner, {
      'json stdout': json.stdout,
      'json stderr': json.stderr,
      'yaml stdout': yaml.stdout,
      'yaml stderr': yaml.stderr,
      'strict stdout': strict.stdout,
      'strict stderr': strict.stderr,
    });
  });

  it('quotes no key when it refuses files that hold keys and do not parse', async () => {
    const key = world.pki.client.keyPem;
    const data = Buffer.from(key).toString('base64');
    const secret = (body: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: broken}\ntype: kubernetes.io/tls\n${body}`;
    const broken = {
      'unterminated-quote.yaml': secret(`data:\n  tls.key: "${data}\n`),
      'quote-after-literal.yaml': secret(`stringData:\n  tls.key: |\n${key.trimEnd().replace(/^/gm, '    ')}\n  tls.crt: "unterminated\n`),
      'flow-error-in-key-line.yaml': secret(`data: {tls.key: ${data}, tls.crt: [}\n`),
      'duplicate-key.yaml': secret(`data:\n  tls.key: ${data}\n  tls.key: ${data}\n`),
      'key-then-nul.yaml': Buffer.concat([
        Buffer.from(secret(`stringData:\n  tls.key: |\n${key.replace(/^/gm, '    ')}`)),
        Buffer.from([0]),
      ]),
      'key-then-latin1.yaml': Buffer.concat([Buffer.from(secret(`data:\n  tls.key: ${data}\n`)), Buffer.from([0xe9, 0x0a])]),
      'key-as-json.json': `{"apiVersion": "v1", "kind": "Secret", "data": {"tls.key": "${data}",, }}`,
    };
    for (const [name, text] of Object.entries(broken)) dir.write(`broken/${name}`, text);
    const run = await runKupstream(['translate', '-f', `${dir.path}/broken`]);
    assert.equal(run.code, 2, run.stderr);
    for (const name of Object.keys(broken)) assert.ok(run.stderr.includes(name), `${name} is not reported: ${run.stderr}`);
    assertClean(scanner, { stdout: run.stdout, stderr: run.stderr });
  });

  describe('serve, while the upstream rejects or refuses it', () => {
    let rejecting: RunningServer;
    before(async () => {
      // Demands a client certificate of another CA: every handshake with ours fails.
      rejecting = await startHttpsServer({
        cert: world.pki.server.certPem,
        key: world.pki.server.keyPem,
        ca: world.otherCa.certPem,
        requestCert: true,
        rejectUnauthorized: true,
      });
    });
    after(() => rejecting.close());

    for (const format of ['text', 'json']) {
      it(`logs no key (--log-format ${format})`, async () => {
        const refused = await closedPort();
        const running = await serve([
          '-f',
          manifests,
          '--listen',
          '127.0.0.1:0',
          '--log-format',
          format,
          '--resolve',
          `svc.default:443=127.0.0.1:${rejecting.port}`,
          '--resolve',
          `svc2.default:443=127.0.0.1:${rejecting.port}`,
          '--resolve',
          `svc3.default:443=127.0.0.1:${refused}`,
        ]);
        const answers = [];
        for (const name of ['good-client', 'ec-client', 'expired-client', 'key-mismatch', 'key-in-crt', 'crlf', 'string-data']) {
          for (const host of [`${name}.example.com`, `ae-${name}.example.com`]) answers.push(await get(running.port, host));
        }
        const { stdout, stderr } = await running.stop();
        assert.ok(
          answers.some((a) => a.status === 502),
          `no request failed: ${JSON.stringify(answers.map((a) => a.status))}`,
        );
        // The failures were logged (with their codes), so the logs were there to scan.
        assert.match(stdout + stderr, /client_certificate_rejected|connection_refused/);
        if (process.env.KUPSTREAM_SHOW_LOGS) console.log(stdout, stderr);
        assertClean(scanner, { stdout, stderr, answers: JSON.stringify(answers) });
      });
    }
  });
});
