// Fuzz: the Ingress golden fixtures, mutated, through translateIngresses.
import { translateIngresses } from '@kupstream/ingress';
import { checkTranslation, fuzzTranslator } from './support/fuzz-property.js';
import { GOLDEN_NOW, loadSeeds, type Seed } from './support/seeds.js';

// Class assumption and load balancer hostnames on: more of each mutated input is translated.
const translate = (snapshot: Parameters<typeof translateIngresses>[0]) =>
  translateIngresses(snapshot, {
    now: () => GOLDEN_NOW,
    assumeClassesWhenAbsent: true,
    loadBalancerHostnames: ['*.lb.example.net', 'abc.ngrok-cname.com'],
  });

describe('fuzz: translateIngresses', () => {
  let seeds: Seed[];
  before(async () => {
    seeds = await loadSeeds('ingress');
  });

  it('translates every golden fixture cleanly', () => {
    for (const seed of seeds) checkTranslation(translate, structuredClone(seed.snapshot), seed.name);
  });

  it('never throws and gives a valid, deterministic, order-independent model without touching its input, on mutated fixtures', () => {
    fuzzTranslator(seeds, translate);
  });
});
