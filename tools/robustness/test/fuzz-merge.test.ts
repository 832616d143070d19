// Fuzz: fixtures of all three translators combined and mutated, each translated, then
// merged. mergeResults must hold the same property, and (DESIGN §4) give the same bytes
// for any order of its arguments; it must not write into the results it merges.
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { mergeResults, toStableJson, translateAgentEndpoints, type ClusterSnapshot, type TranslationResult } from '@kupstream/core';
import { translateGatewayApi } from '@kupstream/gateway';
import { translateIngresses } from '@kupstream/ingress';
import { checkTranslation, deepFreeze } from './support/fuzz-property.js';
import { modelProblems } from './support/model-check.js';
import { mutate, mutationsArb } from './support/mutate.js';
import { fuzzRuns, fuzzSeed, GOLDEN_NOW, loadSeeds, type Seed } from './support/seeds.js';

const now = () => GOLDEN_NOW;
const translators = [
  (s: ClusterSnapshot) => translateGatewayApi(s, { now, assumeClassesWhenAbsent: true }),
  (s: ClusterSnapshot) => translateIngresses(s, { now, assumeClassesWhenAbsent: true }),
  (s: ClusterSnapshot) => translateAgentEndpoints(s, { now }),
];

/** The seeds' lists concatenated: several manifest sets in one cluster, URLs free to collide. */
function combine(parts: readonly Seed[]): ClusterSnapshot {
  const out: Record<string, unknown[]> = {};
  for (const seed of parts)
    for (const [key, list] of Object.entries(seed.snapshot)) out[key] = [...(out[key] ?? []), ...(list as unknown[])];
  return out as ClusterSnapshot;
}

/** The model arrays frozen deep; the credential store is left alone (it is an event emitter). */
function freezeModel(result: TranslationResult): TranslationResult {
  for (const list of [result.endpoints, result.upstreams, result.statuses, result.diagnostics]) deepFreeze(list);
  return Object.freeze(result);
}

describe('fuzz: mergeResults over all three translators', () => {
  let seeds: Seed[];
  before(async () => {
    seeds = [...(await loadSeeds('gateway')), ...(await loadSeeds('ingress')), ...(await loadSeeds('core'))];
  });

  it('merges mutated combinations into a valid model, the same bytes in any argument order', () => {
    const pick = fc.array(fc.nat({ max: seeds.length - 1 }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(pick, mutationsArb, fc.constantFrom([0, 1, 2], [2, 0, 1], [1, 2, 0], [2, 1, 0]), (indexes, mutations, order) => {
        const parts = indexes.map((i) => seeds[i]!);
        const { snapshot, log } = mutate(combine(parts), mutations);
        const describe = `${parts.map((p) => p.name).join(' + ')} after: ${log.join('; ')}`;
        // Each translator holds the fuzz property on the combined input as well.
        for (const translate of translators) checkTranslation(translate, structuredClone(snapshot), describe);
        const results = translators.map((translate) => freezeModel(translate(deepFreeze(structuredClone(snapshot)))));
        const copies = results.map((r) => structuredClone({ ...r }));
        let merged: TranslationResult;
        let reordered: TranslationResult;
        try {
          merged = mergeResults(...results);
          reordered = mergeResults(...order.map((i) => results[i]!));
        } catch (error) {
          throw new assert.AssertionError({
            message: `mergeResults threw on ${describe}:\n${error instanceof Error ? error.stack : String(error)}`,
          });
        }
        assert.deepEqual(modelProblems(merged), [], `invalid merged model for ${describe}`);
        assert.equal(toStableJson(reordered), toStableJson(merged), `merge order [${order.join(', ')}] changes the output for ${describe}`);
        results.forEach((r, i) => assert.ok(isDeepStrictEqual({ ...r }, copies[i]), `mergeResults modified result ${i} of ${describe}`));
      }),
      { numRuns: fuzzRuns(), ...fuzzSeed() },
    );
  });
});
