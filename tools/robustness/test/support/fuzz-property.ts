// The property every translator must hold on any mutated snapshot: no throw, a model
// that passes the structural check, the same bytes twice and for the lists in reverse
// order (DESIGN: identical for any input order), and the input untouched (frozen, so a
// write throws; compared, so a write through a copy-on-write path shows).
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { toStableJson, type ClusterSnapshot, type TranslationResult } from '@kupstream/core';
import { modelProblems } from './model-check.js';
import { mutate, mutationsArb } from './mutate.js';
import { fuzzRuns, fuzzSeed, type Seed } from './seeds.js';

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<string | symbol, unknown>)[key]);
  }
  return value;
}

export type Translate = (snapshot: ClusterSnapshot) => TranslationResult;

/** Runs the whole check on one input; throws an assertion naming what broke. */
export function checkTranslation(translate: Translate, snapshot: ClusterSnapshot, describe: string): void {
  const pristine = structuredClone(snapshot);
  const reversed = deepFreeze(
    Object.fromEntries(
      Object.entries(structuredClone(snapshot)).map(([k, v]) => [k, Array.isArray(v) ? [...v].reverse() : v]),
    ) as ClusterSnapshot,
  );
  const frozen = deepFreeze(snapshot);
  let first: TranslationResult;
  let second: TranslationResult;
  let third: TranslationResult;
  try {
    first = translate(frozen);
    second = translate(frozen);
    third = translate(reversed);
  } catch (error) {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    throw new assert.AssertionError({ message: `the translator threw on ${describe}:\n${detail}` });
  }
  const problems = modelProblems(first);
  assert.deepEqual(problems, [], `invalid model for ${describe}`);
  const a = toStableJson(first);
  assert.equal(toStableJson(second), a, `two translations differ for ${describe}`);
  assert.equal(toStableJson(third), a, `the order of the input lists changes the output for ${describe}`);
  assert.ok(isDeepStrictEqual(frozen, pristine), `the input was modified by ${describe}`);
}

/** fast-check over seeds × mutation lists; the failure message names the seed and the mutations. */
export function fuzzTranslator(seeds: readonly Seed[], translate: Translate, runs = fuzzRuns()): void {
  fc.assert(
    fc.property(fc.nat({ max: seeds.length - 1 }), mutationsArb, (index, mutations) => {
      const seed = seeds[index]!;
      const { snapshot, log } = mutate(seed.snapshot, mutations);
      checkTranslation(translate, snapshot, `${seed.name} after: ${log.join('; ')}`);
    }),
    { numRuns: runs, ...fuzzSeed() },
  );
}
