import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { listGoldenCases, runGoldenCase } from '@kupstream/golden';
import { translateIngresses } from '../src/index.js';

const dir = fileURLToPath(new URL('./fixtures', import.meta.url));

// Cases named `ingress-assume-*` run with assumeClassesWhenAbsent, `ingress-lb-*` with load balancer
// hostnames, `ingress-custom-*` with controllerName example.com/custom.
function optionsFor(name: string) {
  return {
    ...(name.startsWith('ingress-assume-') ? { assumeClassesWhenAbsent: true } : {}),
    ...(name.startsWith('ingress-custom-') ? { controllerName: 'example.com/custom' } : {}),
    ...(name.startsWith('ingress-lb-')
      ? { loadBalancerHostnames: ['*.lb.example.net', 'abc.ngrok-cname.com', 'abc.ngrok-cname.com'] }
      : {}),
  };
}

describe('Ingress golden cases', () => {
  const cases = listGoldenCases(dir);
  it('has at least 25 cases', () => assert.ok(cases.length >= 25, `only ${cases.length} cases`));
  for (const name of cases) {
    it(name, async () => {
      const { actual, expected } = await runGoldenCase(dir, name, (snapshot, now) =>
        translateIngresses(snapshot, { now: () => now, ...optionsFor(name) }),
      );
      assert.ok(expected !== undefined, `${name}.out.json is missing; run with KUPSTREAM_UPDATE_GOLDEN=1 to create it`);
      assert.equal(actual, expected);
      assert.doesNotMatch(actual, /PRIVATE KEY/);
    });
  }
});
