import assert from 'node:assert/strict';
import { AdminBindError, assertAdminBind, isLoopbackHost, parseAdminAddress } from '../src/bind-address.js';

describe('admin/bind address', () => {
  it('parses HOST:PORT, [IPv6]:PORT, :PORT and PORT, defaulting to 127.0.0.1', () => {
    assert.deepEqual(parseAdminAddress('127.0.0.1:4040'), { host: '127.0.0.1', port: 4040 });
    assert.deepEqual(parseAdminAddress('[::1]:4040'), { host: '::1', port: 4040 });
    assert.deepEqual(parseAdminAddress('localhost:0'), { host: 'localhost', port: 0 });
    assert.deepEqual(parseAdminAddress(':9090'), { host: '127.0.0.1', port: 9090 });
    assert.deepEqual(parseAdminAddress('9090'), { host: '127.0.0.1', port: 9090 });
    assert.throws(() => parseAdminAddress('host'), AdminBindError);
    assert.throws(() => parseAdminAddress('h:70000'), AdminBindError);
    assert.throws(() => parseAdminAddress('::1:80'), AdminBindError);
  });

  it('knows loopback from everything else', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])
      assert.ok(isLoopbackHost(h), h);
    for (const h of ['0.0.0.0', '::', '', '10.0.0.1', '128.0.0.1', 'example.com', 'localhost.example.com', '::2'])
      assert.ok(!isLoopbackHost(h), h);
  });

  it('refuses a non-loopback host unless allowed, and then returns a warning', () => {
    assert.equal(assertAdminBind('127.0.0.1'), undefined);
    assert.equal(assertAdminBind('::1', { allowNonLoopback: true }), undefined);
    assert.throws(
      () => assertAdminBind('0.0.0.0'),
      (e: unknown) => e instanceof AdminBindError && /every interface/.test(e.message),
    );
    const warning = assertAdminBind('0.0.0.0', { allowNonLoopback: true });
    assert.match(warning ?? '', /^warning: .*every interface.*no authentication/);
    assert.match(assertAdminBind('10.1.2.3', { allowNonLoopback: true }) ?? '', /10\.1\.2\.3/);
  });
});
