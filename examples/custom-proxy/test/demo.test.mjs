// Run the example as a user would (`node demo.mjs`) and check what it shows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('custom proxy demo', () => {
  it('forwards through the dialer and the upstream names CN=ExampleClient', () => {
    const demo = fileURLToPath(new URL('../demo.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [demo], { encoding: 'utf8', timeout: 120000 });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /200 upstream saw: \{"clientCertificate":"CN=ExampleClient"/);
    assert.match(run.stdout, /\[proxy\] \S+ GET \/orders\/1 -> 200 as shop\/orders-client@1/);
    assert.match(run.stdout, /ok {3}undici went through the same mutual TLS/);
    assert.match(run.stdout, /\[proxy\] \S+ GET \/orders\/4 -> 200 as shop\/orders-client@2/);
    assert.match(run.stdout, /502 x-upstream-error: client_certificate_missing/);
    assert.doesNotMatch(run.stdout, /FAIL/);
    assert.doesNotMatch(run.stdout + run.stderr, /PRIVATE KEY/);
    assert.match(run.stdout, /custom proxy passed/);
  });
});
