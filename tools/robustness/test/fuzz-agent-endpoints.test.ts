// Fuzz: the AgentEndpoint golden fixtures, mutated, through translateAgentEndpoints.
import { translateAgentEndpoints } from '@kupstream/core';
import { checkTranslation, fuzzTranslator } from './support/fuzz-property.js';
import { GOLDEN_NOW, loadSeeds, type Seed } from './support/seeds.js';

const translate = (snapshot: Parameters<typeof translateAgentEndpoints>[0]) => translateAgentEndpoints(snapshot, { now: () => GOLDEN_NOW });

describe('fuzz: translateAgentEndpoints', () => {
  let seeds: Seed[];
  before(async () => {
    seeds = await loadSeeds('core');
  });

  it('translates every golden fixture cleanly', () => {
    for (const seed of seeds) checkTranslation(translate, structuredClone(seed.snapshot), seed.name);
  });

  it('never throws and gives a valid, deterministic, order-independent model without touching its input, on mutated fixtures', () => {
    fuzzTranslator(seeds, translate);
  });
});
