import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listGoldenCases, runGoldenCase, UPDATE } from '@kupstream/golden';
import { translateGatewayApi } from '../src/index.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');

describe('golden cases (test/fixtures/*.in.yaml -> *.out.json; KUPSTREAM_UPDATE_GOLDEN=1 regenerates)', () => {
  const cases = listGoldenCases(dir);
  it('has golden cases', () => assert.ok(cases.length > 0));
  for (const name of cases) {
    it(name, async () => {
      const { actual, expected } = await runGoldenCase(dir, name, (snapshot, now) =>
        translateGatewayApi(snapshot, { now: () => now, assumeClassesWhenAbsent: true }),
      );
      assert.ok(expected !== undefined || UPDATE, `${name}.out.json is missing; run with KUPSTREAM_UPDATE_GOLDEN=1 to create it`);
      assert.equal(actual, expected);
      assert.doesNotMatch(actual, /PRIVATE KEY/);
    });
  }
});
