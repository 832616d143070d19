// Fuzz: the Gateway API golden fixtures, mutated, through translateGatewayApi.
import { translateGatewayApi } from '@kupstream/gateway';
import { checkTranslation, fuzzTranslator } from './support/fuzz-property.js';
import { GOLDEN_NOW, loadSeeds, type Seed } from './support/seeds.js';

const translate = (snapshot: Parameters<typeof translateGatewayApi>[0]) =>
  translateGatewayApi(snapshot, { now: () => GOLDEN_NOW, assumeClassesWhenAbsent: true });

describe('fuzz: translateGatewayApi', () => {
  let seeds: Seed[];
  before(async () => {
    seeds = await loadSeeds('gateway');
  });

  // The unmutated seeds must pass too, or a failure below could be the seed's, not the mutation's.
  it('translates every golden fixture cleanly', () => {
    for (const seed of seeds) checkTranslation(translate, structuredClone(seed.snapshot), seed.name);
  });

  // Found by this fuzz test and pinned so it fails on every run, not only on lucky seeds:
  // a BackendTLSPolicy whose metadata is not a mapping must not yield a status named "".
  it('gives no nameless status for a BackendTLSPolicy without usable metadata', () => {
    const seed = seeds.find((s) => s.name === 'gateway/backendtlspolicy-v1alpha3')!;
    for (const metadata of [undefined, [], 'policy', { namespace: 'default' }]) {
      const snapshot = structuredClone(seed.snapshot) as { backendTLSPolicies: Record<string, unknown>[] };
      snapshot.backendTLSPolicies[0]!.metadata = metadata;
      checkTranslation(translate, snapshot, `${seed.name} with BackendTLSPolicy metadata ${JSON.stringify(metadata)}`);
    }
  });

  it('never throws and gives a valid, deterministic, order-independent model without touching its input, on mutated fixtures', () => {
    fuzzTranslator(seeds, translate);
  });
});
