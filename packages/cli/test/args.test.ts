import assert from 'node:assert/strict';
import { parseCommandLine } from '../src/args/args.js';
import { UsageError } from '../src/errors.js';

function usageError(argv: string[], pattern: RegExp, command?: 'translate' | 'serve'): void {
  assert.throws(
    () => parseCommandLine(argv),
    (error: unknown) => {
      assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
      assert.match(error.message, pattern);
      assert.equal(error.command, command);
      return true;
    },
  );
}

describe('args: parseCommandLine', () => {
  it('parses translate with repeated -f, --now, --strict, --namespace and controller names', () => {
    const command = parseCommandLine([
      'translate',
      '-f',
      'a.yaml',
      '--filename',
      'dir',
      '-f',
      '-',
      '--now',
      '2026-06-01T00:00:00Z',
      '--strict',
      '-n',
      'team-a',
      '--controller-name',
      'example.com/gw',
      '--ingress-controller-name',
      'example.com/ing',
      '--load-balancer-hostname',
      'lb.example.com',
    ]);
    assert.equal(command.name, 'translate');
    if (command.name !== 'translate') return;
    assert.deepEqual(command.flags.files, ['a.yaml', 'dir', '-']);
    assert.equal(command.flags.now?.toISOString(), '2026-06-01T00:00:00.000Z');
    assert.equal(command.flags.strict, true);
    assert.equal(command.flags.namespace, 'team-a');
    assert.equal(command.flags.controllerName, 'example.com/gw');
    assert.equal(command.flags.ingressControllerName, 'example.com/ing');
    assert.deepEqual(command.flags.loadBalancerHostnames, ['lb.example.com']);
  });

  it('defaults: namespace default, not strict, no clock', () => {
    const command = parseCommandLine(['translate', '--filename=x.yaml']);
    assert.ok(command.name === 'translate');
    assert.equal(command.flags.namespace, 'default');
    assert.equal(command.flags.strict, false);
    assert.equal(command.flags.now, undefined);
    assert.equal(command.flags.controllerName, undefined);
  });

  it('accepts --now with an offset and fractional seconds', () => {
    const command = parseCommandLine(['translate', '-f', 'x', '--now', '2026-06-01T02:00:00.5+02:00']);
    assert.ok(command.name === 'translate');
    assert.equal(command.flags.now?.toISOString(), '2026-06-01T00:00:00.500Z');
  });

  it('parses serve with --listen (port 0 allowed) and repeated --resolve', () => {
    const command = parseCommandLine([
      'serve',
      '-f',
      'dir',
      '--listen',
      '127.0.0.1:0',
      '--resolve',
      'Example-Service.default:443=127.0.0.1:9443',
      '--resolve',
      'my-service.my-namespace:8443=[::1]:9444',
    ]);
    assert.ok(command.name === 'serve');
    assert.deepEqual(command.flags.listen, { host: '127.0.0.1', port: 0 });
    assert.deepEqual(command.flags.resolve, [
      { from: { host: 'example-service.default', port: 443 }, to: { host: '127.0.0.1', port: 9443 } },
      { from: { host: 'my-service.my-namespace', port: 8443 }, to: { host: '::1', port: 9444 } },
    ]);
  });

  it("parses repeated --l4 into the model's form of the URL (lower case, tls:// without :443), port 0 allowed", () => {
    const command = parseCommandLine([
      'serve',
      '-f',
      'dir',
      '--listen',
      '127.0.0.1:8080',
      '--l4',
      'TCP://1.tcp.Example.io:12345=127.0.0.1:0',
      '--l4',
      'tls://App.example.io:443=[::1]:8443',
      '--l4',
      'tls://b.example.io=127.0.0.1:9443',
    ]);
    assert.ok(command.name === 'serve');
    assert.deepEqual(command.flags.l4, [
      { url: 'tcp://1.tcp.example.io:12345', to: { host: '127.0.0.1', port: 0 } },
      { url: 'tls://app.example.io', to: { host: '::1', port: 8443 } },
      { url: 'tls://b.example.io', to: { host: '127.0.0.1', port: 9443 } },
    ]);
    const none = parseCommandLine(['serve', '-f', 'dir', '--listen', '127.0.0.1:8080']);
    assert.ok(none.name === 'serve');
    assert.deepEqual(none.flags.l4, []);
  });

  it('cluster mode: --kubeconfig, or no -f at all; --write-status and the Lease flags', () => {
    const translate = parseCommandLine(['translate', '--kubeconfig', 'kc.yaml', '--write-status', '-o', 'yaml']);
    assert.ok(translate.name === 'translate');
    assert.deepEqual(translate.flags.files, []);
    assert.deepEqual(translate.flags.cluster, { kubeconfig: 'kc.yaml', writeStatus: true });
    assert.equal(translate.flags.output, 'yaml');
    const implicit = parseCommandLine(['translate']);
    assert.ok(implicit.name === 'translate');
    assert.deepEqual(implicit.flags.cluster, { writeStatus: false });
    assert.equal(implicit.flags.output, 'json');
    const files = parseCommandLine(['translate', '-f', 'x']);
    assert.ok(files.name === 'translate');
    assert.equal(files.flags.cluster, undefined);

    const serve = parseCommandLine([
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--write-status',
      '--lease-namespace',
      'kupstream',
      '--lease-name',
      'writer.v1',
    ]);
    assert.ok(serve.name === 'serve');
    assert.deepEqual(serve.flags.cluster, { writeStatus: true });
    assert.deepEqual(serve.flags.lease, { namespace: 'kupstream', name: 'writer.v1' });
    const noStatus = parseCommandLine(['serve', '--kubeconfig', 'kc.yaml', '--listen', '127.0.0.1:0']);
    assert.ok(noStatus.name === 'serve');
    assert.equal(noStatus.flags.lease, undefined, 'no election without --write-status');
  });

  it('serve: --workers is 1 unless given, a whole number from 1 to 64 otherwise', () => {
    const serve = (...extra: string[]) => parseCommandLine(['serve', '-f', 'x', '--listen', '127.0.0.1:0', ...extra]);
    const defaults = serve();
    assert.ok(defaults.name === 'serve');
    assert.equal(defaults.flags.workers, 1);
    for (const [text, n] of [
      ['1', 1],
      ['2', 2],
      [' 8', 8],
      ['64', 64],
    ] as const) {
      const given = serve('--workers', text);
      assert.ok(given.name === 'serve');
      assert.equal(given.flags.workers, n);
    }
    for (const bad of ['0', '65', '-1', '2.5', 'two', '', '1e1', '0x2', '1000']) {
      assert.throws(
        () => serve(`--workers=${bad}`),
        (error: unknown) =>
          error instanceof UsageError &&
          error.command === 'serve' &&
          error.message ===
            `--workers ${JSON.stringify(bad)}: expected a whole number of worker processes from 1 to 64, e.g. --workers 2 (about one per CPU the agent may use; 1 serves in this process)`,
        bad,
      );
    }
  });

  it('serve: --admin, --shutdown-timeout and --log-format, with their defaults', () => {
    const defaults = parseCommandLine(['serve', '-f', 'x', '--listen', '127.0.0.1:0']);
    assert.ok(defaults.name === 'serve');
    assert.equal(defaults.flags.admin, undefined);
    assert.equal(defaults.flags.adminAllowRemote, false);
    assert.equal(defaults.flags.shutdownTimeoutMs, 10_000);
    assert.equal(defaults.flags.logFormat, 'text');
    const given = parseCommandLine([
      'serve',
      '-f',
      'x',
      '--listen',
      '127.0.0.1:0',
      '--admin',
      '0.0.0.0:4040',
      '--admin-allow-remote',
      '--shutdown-timeout',
      '1.5s',
      '--log-format',
      'json',
    ]);
    assert.ok(given.name === 'serve');
    assert.equal(given.flags.admin, '0.0.0.0:4040');
    assert.equal(given.flags.adminAllowRemote, true);
    assert.equal(given.flags.shutdownTimeoutMs, 1500);
    assert.equal(given.flags.logFormat, 'json');
    for (const [text, ms] of [
      ['250ms', 250],
      ['30', 30_000],
      ['1m', 60_000],
      ['0', 0],
    ] as const) {
      const parsed = parseCommandLine(['serve', '-f', 'x', '--listen', '127.0.0.1:0', '--shutdown-timeout', text]);
      assert.ok(parsed.name === 'serve');
      assert.equal(parsed.flags.shutdownTimeoutMs, ms, text);
    }
  });

  it('serve: --probe-upstreams INTERVAL (absent: no probing)', () => {
    const parsed = parseCommandLine(['serve', '-f', 'x', '--listen', '127.0.0.1:0', '--probe-upstreams', '30s']);
    assert.ok(parsed.name === 'serve');
    assert.equal(parsed.flags.probeUpstreamsMs, 30_000);
    const plain = parseCommandLine(['serve', '-f', 'x', '--listen', '127.0.0.1:0']);
    assert.ok(plain.name === 'serve');
    assert.equal(plain.flags.probeUpstreamsMs, undefined);
  });

  it('help and version, at the top and per command', () => {
    assert.deepEqual(parseCommandLine(['--help']), { name: 'help' });
    assert.deepEqual(parseCommandLine(['-h']), { name: 'help' });
    assert.deepEqual(parseCommandLine(['help', 'serve']), { name: 'help', topic: 'serve' });
    assert.deepEqual(parseCommandLine(['translate', '--help']), { name: 'help', topic: 'translate' });
    assert.deepEqual(parseCommandLine(['serve', '-h']), { name: 'help', topic: 'serve' });
  });

  it('--version and -v', () => {
    assert.deepEqual(parseCommandLine(['--version']), { name: 'version' });
    assert.deepEqual(parseCommandLine(['-v']), { name: 'version' });
  });

  describe('usage errors say what is wrong', () => {
    it('no command', () => usageError([], /no command given/));
    it('unknown command', () => usageError(['apply'], /unknown command "apply"/));
    it('unknown flag before the command', () => usageError(['--bogus'], /unknown flag --bogus/));
    it('unknown flag of translate', () => usageError(['translate', '-f', 'x', '--bogus'], /Unknown option '--bogus'/, 'translate'));
    it('serve flag given to translate', () =>
      usageError(['translate', '-f', 'x', '--listen', '1.2.3.4:1'], /Unknown option '--listen'/, 'translate'));
    it('-f with --kubeconfig', () =>
      usageError(['translate', '-f', 'x', '--kubeconfig', 'k'], /-f and --kubeconfig exclude each other/, 'translate'));
    it('--write-status with -f', () =>
      usageError(['translate', '-f', 'x', '--write-status'], /--write-status needs a cluster/, 'translate'));
    it('--output that is not json or yaml', () =>
      usageError(['translate', '-f', 'x', '-o', 'xml'], /--output "xml": expected json or yaml/, 'translate'));
    it('--lease-name without --write-status', () =>
      usageError(
        ['serve', '--kubeconfig', 'k', '--listen', '127.0.0.1:1', '--lease-name', 'l'],
        /--lease-name needs --write-status/,
        'serve',
      ));
    it('--lease-namespace that is not a name', () =>
      usageError(
        ['serve', '--kubeconfig', 'k', '--listen', '127.0.0.1:1', '--write-status', '--lease-namespace', 'Kup'],
        /--lease-namespace "Kup": expected a namespace name/,
        'serve',
      ));
    it('--lease-name that is not an object name', () =>
      usageError(
        ['serve', '--kubeconfig', 'k', '--listen', '127.0.0.1:1', '--write-status', '--lease-name', 'a_b'],
        /--lease-name "a_b": expected an object name/,
        'serve',
      ));
    it('--shutdown-timeout that is not a duration', () =>
      usageError(
        ['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--shutdown-timeout', '5x'],
        /--shutdown-timeout "5x": expected a duration/,
        'serve',
      ));
    it('--probe-upstreams below 100ms or not a duration', () => {
      usageError(['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--probe-upstreams', '10ms'], /at least 100 ms/, 'serve');
      usageError(['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--probe-upstreams', 'often'], /expected a duration/, 'serve');
    });
    it('--shutdown-timeout over an hour', () =>
      usageError(['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--shutdown-timeout', '61m'], /at most 1h/, 'serve'));
    it('--log-format that is not text or json', () =>
      usageError(
        ['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--log-format', 'xml'],
        /--log-format "xml": expected text or json/,
        'serve',
      ));
    it('--admin-allow-remote without --admin', () =>
      usageError(['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--admin-allow-remote'], /--admin-allow-remote needs --admin/, 'serve'));
    it('-f without a value', () => usageError(['translate', '-f'], /argument missing/, 'translate'));
    it('a positional argument', () =>
      usageError(['translate', 'x.yaml'], /unexpected argument "x.yaml": manifests are given with -f/, 'translate'));
    it('stdin twice', () => usageError(['translate', '-f', '-', '-f', '-'], /only once/, 'translate'));
    it('--now that is not RFC 3339', () =>
      usageError(['translate', '-f', 'x', '--now', '2026-06-01'], /--now "2026-06-01": expected an RFC 3339 timestamp/, 'translate'));
    it('--now on a day that does not exist', () =>
      usageError(['translate', '-f', 'x', '--now', '2026-02-30T00:00:00Z'], /expected an RFC 3339/, 'translate'));
    it('--namespace that is not a name', () =>
      usageError(['translate', '-f', 'x', '-n', 'Team_A'], /--namespace "Team_A": expected a namespace name/, 'translate'));
    it('--strict with a value', () => usageError(['translate', '-f', 'x', '--strict=yes'], /--strict/, 'translate'));
    it('serve without --listen', () => usageError(['serve', '-f', 'x'], /--listen HOST:PORT is required/, 'serve'));
    it('--listen without a port', () =>
      usageError(['serve', '-f', 'x', '--listen', '127.0.0.1'], /--listen "127.0.0.1": expected HOST:PORT/, 'serve'));
    it('--listen with a port out of range', () =>
      usageError(['serve', '-f', 'x', '--listen', '127.0.0.1:70000'], /port 70000 is out of range/, 'serve'));
    it('--resolve without =', () =>
      usageError(
        ['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--resolve', 'a:1'],
        /--resolve "a:1": expected HOST:PORT=ADDR:PORT/,
        'serve',
      ));
    it('--resolve to port 0', () =>
      usageError(['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--resolve', 'a:1=127.0.0.1:0'], /port 0 is out of range/, 'serve'));
    it('--l4 without =', () =>
      usageError(
        ['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--l4', 'tcp://a:1'],
        /--l4 "tcp:\/\/a:1": expected URL=HOST:PORT/,
        'serve',
      ));
    it('--l4 with an http URL', () =>
      usageError(
        ['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--l4', 'https://a=127.0.0.1:0'],
        /the URL must be tcp:\/\/HOST:PORT or tls:\/\/HOST/,
        'serve',
      ));
    it('--l4 with a tcp URL without a port', () =>
      usageError(
        ['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--l4', 'tcp://a=127.0.0.1:0'],
        /the URL must be tcp:\/\/HOST:PORT/,
        'serve',
      ));
    it('--l4 twice for one endpoint', () =>
      usageError(
        ['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--l4', 'tls://a=127.0.0.1:0', '--l4', 'TLS://A:443=127.0.0.1:1'],
        /--l4 tls:\/\/a is given twice/,
        'serve',
      ));
    it('--resolve twice for one upstream', () =>
      usageError(
        ['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--resolve', 'a:1=b:2', '--resolve', 'A:1=c:3'],
        /--resolve a:1 is given twice/,
        'serve',
      ));
  });
});
