import assert from 'node:assert/strict';
import { parseResolveOverride } from '../src/args/flag-values.js';
import { resolveFromOverrides } from '../src/serve/resolve-overrides.js';

describe('resolve-overrides: --resolve as the agent resolve function', () => {
  const resolve = resolveFromOverrides(
    ['example-service.default:443=127.0.0.1:9443', 'my-service.my-namespace:8443=[::1]:9444'].map(parseResolveOverride),
  );

  it('maps a listed host:port to its address', () => {
    assert.deepEqual(resolve('example-service.default', 443), { host: '127.0.0.1', port: 9443 });
    assert.deepEqual(resolve('my-service.my-namespace', 8443), { host: '::1', port: 9444 });
  });

  it('matches host names case-insensitively and without a trailing dot', () => {
    assert.deepEqual(resolve('Example-Service.Default.', 443), { host: '127.0.0.1', port: 9443 });
  });

  it('leaves anything else to DNS (undefined): another port, another host', () => {
    assert.equal(resolve('example-service.default', 80), undefined);
    assert.equal(resolve('other.default', 443), undefined);
  });
});
