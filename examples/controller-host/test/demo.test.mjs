// Run the example as a user would (`node demo.mjs`) and check the PATCHes it prints.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('controller host demo', () => {
  it('prints PATCH bodies only for statuses that changed', () => {
    const demo = fileURLToPath(new URL('../demo.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [demo], { encoding: 'utf8', timeout: 120000 });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const steps = run.stdout.split(/^== /m).slice(1);
    const step = (title) => steps.find((text) => text.startsWith(title)) ?? assert.fail(`no step "${title}"`);
    const patches = (title) => [...step(title).matchAll(/PATCH (\S+)/g)].map((m) => m[1]);

    assert.deepEqual(patches('ADDED').sort(), [
      '/apis/gateway.networking.k8s.io/v1/gatewayclasses/ngrok/status',
      '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/shop/status',
      '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/storefront/status',
    ]);
    assert.match(step('ADDED'), /"parents":\[\{"parentRef":.*"type":"Accepted","status":"True"/);
    assert.match(step('MODIFIED: the Service'), /translated: 1 endpoint/);
    assert.deepEqual(patches('MODIFIED: the Service'), []);
    assert.deepEqual(patches('DELETED'), ['/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/shop/status']);
    assert.match(step('DELETED'), /"attachedRoutes":0/);
  });
});
