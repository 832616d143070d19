import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { listGoldenCases, runGoldenCase } from '../../../tools/golden/src/index.js';
import { translateAgentEndpoints } from '../src/index.js';

const dir = fileURLToPath(new URL('./fixtures', import.meta.url));

describe('AgentEndpoint golden cases', () => {
  const cases = listGoldenCases(dir).filter((name) => name.startsWith('agentendpoint-'));
  it('has at least 25 cases', () => assert.ok(cases.length >= 25, `only ${cases.length} cases`));
  for (const name of cases) {
    it(name, async () => {
      const { actual, expected } = await runGoldenCase(dir, name, (snapshot, now) => translateAgentEndpoints(snapshot, { now: () => now }));
      assert.ok(expected !== undefined, `${name}.out.json is missing; run with KUPSTREAM_UPDATE_GOLDEN=1 to create it`);
      assert.equal(actual, expected);
      assert.doesNotMatch(actual, /PRIVATE KEY/);
    });
  }
});
