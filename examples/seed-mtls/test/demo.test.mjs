// The demo is the project's main story: run it as a user would and check what it prints.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('seed demo', () => {
  it('runs the three seed scenarios and shows the upstream naming CN=ExampleClient', () => {
    const demo = fileURLToPath(new URL('../demo.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [demo], { encoding: 'utf8', timeout: 120000 });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /saw the client certificate CN=ExampleClient/);
    assert.match(run.stdout, /client certificate CN=ExampleClient/);
    assert.match(run.stdout, /-> 502 x-kupstream-error: client.certificate/);
    assert.doesNotMatch(run.stdout + run.stderr, /PRIVATE KEY/);
    assert.match(run.stdout, /ok {3}the inspector lists the request/);
    assert.match(run.stdout, /inspector \(what the agent is doing\): http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(run.stdout, /demo passed/);
  });
});
