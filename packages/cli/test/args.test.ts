import assert from 'node:assert/strict';
import { parseCommandLine } from '../src/args.js';
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
      'translate', '-f', 'a.yaml', '--filename', 'dir', '-f', '-', '--now', '2026-06-01T00:00:00Z', '--strict',
      '-n', 'team-a', '--controller-name', 'example.com/gw', '--ingress-controller-name', 'example.com/ing',
      '--load-balancer-hostname', 'lb.example.com',
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
      'serve', '-f', 'dir', '--listen', '127.0.0.1:0',
      '--resolve', 'Example-Service.default:443=127.0.0.1:9443', '--resolve', 'my-service.my-namespace:8443=[::1]:9444',
    ]);
    assert.ok(command.name === 'serve');
    assert.deepEqual(command.flags.listen, { host: '127.0.0.1', port: 0 });
    assert.deepEqual(command.flags.resolve, [
      { from: { host: 'example-service.default', port: 443 }, to: { host: '127.0.0.1', port: 9443 } },
      { from: { host: 'my-service.my-namespace', port: 8443 }, to: { host: '::1', port: 9444 } },
    ]);
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
    it('serve flag given to translate', () => usageError(['translate', '-f', 'x', '--listen', '1.2.3.4:1'], /Unknown option '--listen'/, 'translate'));
    it('missing -f', () => usageError(['translate'], /-f FILE\|DIR\|- is required/, 'translate'));
    it('-f without a value', () => usageError(['translate', '-f'], /argument missing/, 'translate'));
    it('a positional argument', () => usageError(['translate', 'x.yaml'], /unexpected argument "x.yaml": manifests are given with -f/, 'translate'));
    it('stdin twice', () => usageError(['translate', '-f', '-', '-f', '-'], /only once/, 'translate'));
    it('--now that is not RFC 3339', () => usageError(['translate', '-f', 'x', '--now', '2026-06-01'], /--now "2026-06-01": expected an RFC 3339 timestamp/, 'translate'));
    it('--now on a day that does not exist', () => usageError(['translate', '-f', 'x', '--now', '2026-02-30T00:00:00Z'], /expected an RFC 3339/, 'translate'));
    it('--namespace that is not a name', () => usageError(['translate', '-f', 'x', '-n', 'Team_A'], /--namespace "Team_A": expected a namespace name/, 'translate'));
    it('--strict with a value', () => usageError(['translate', '-f', 'x', '--strict=yes'], /--strict/, 'translate'));
    it('serve without --listen', () => usageError(['serve', '-f', 'x'], /--listen HOST:PORT is required/, 'serve'));
    it('--listen without a port', () => usageError(['serve', '-f', 'x', '--listen', '127.0.0.1'], /--listen "127.0.0.1": expected HOST:PORT/, 'serve'));
    it('--listen with a port out of range', () => usageError(['serve', '-f', 'x', '--listen', '127.0.0.1:70000'], /port 70000 is out of range/, 'serve'));
    it('--resolve without =', () => usageError(['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--resolve', 'a:1'], /--resolve "a:1": expected HOST:PORT=ADDR:PORT/, 'serve'));
    it('--resolve to port 0', () => usageError(['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--resolve', 'a:1=127.0.0.1:0'], /port 0 is out of range/, 'serve'));
    it('--resolve twice for one upstream', () => usageError(['serve', '-f', 'x', '--listen', '127.0.0.1:1', '--resolve', 'a:1=b:2', '--resolve', 'A:1=c:3'], /--resolve a:1 is given twice/, 'serve'));
  });
});
