// The load balancer's pick, as properties: it never picks an ejected, terminating or
// not-ready endpoint while a healthy one exists; least request spreads; round robin is fair.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pickEndpoint, tierOf, type PickableEndpoint } from '../src/index.js';

const endpointArb = fc.record({
  ready: fc.boolean(),
  serving: fc.boolean(),
  ejected: fc.boolean(),
  inFlight: fc.nat({ max: 20 }),
});
const policyArb = fc.constantFrom('round-robin' as const, 'least-request' as const);

/** mulberry32: uniform draws from a seed (the picker's randomness is Math.random in the proxy). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('pickEndpoint', () => {
  it('never picks an ejected, terminating or not-ready endpoint while a healthy one exists', () => {
    fc.assert(
      fc.property(
        fc.array(endpointArb, { maxLength: 12 }),
        policyArb,
        fc.nat(),
        // A host's random may misbehave (NaN, 1, below 0): the pick still comes from the best tier.
        fc.oneof(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.constantFrom(Number.NaN, 1, -0.5)),
        (list, policy, cursor, r) => {
          const at = pickEndpoint(list, policy, { cursor }, () => r);
          const best = Math.min(3, ...list.map(tierOf));
          if (best === 3) return assert.equal(at, undefined);
          assert.ok(at !== undefined);
          assert.equal(tierOf(list[at]!), best, 'picked from the best tier there is');
          if (list.some((e) => e.ready && !e.ejected)) assert.ok(list[at]!.ready && !list[at]!.ejected);
        },
      ),
    );
  });

  it('round robin is fair: over k rounds each healthy endpoint is picked k times', () => {
    fc.assert(
      fc.property(
        fc.array(endpointArb, { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(),
        (list, rounds, cursor) => {
          const healthy = list.map((e, i) => (tierOf(e) === Math.min(...list.map(tierOf)) && tierOf(e) < 3 ? i : -1)).filter((i) => i >= 0);
          const state = { cursor };
          const counts = new Map<number, number>();
          for (let i = 0; i < rounds * healthy.length; i++) {
            const at = pickEndpoint(list, 'round-robin', state, Math.random)!;
            counts.set(at, (counts.get(at) ?? 0) + 1);
          }
          for (const i of healthy) assert.equal(counts.get(i), rounds);
        },
      ),
    );
  });

  it('least request never picks the busier of the two it draws, and spreads requests that stay in flight', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer(), (n, seed) => {
        const list: PickableEndpoint[] = Array.from({ length: n }, () => ({ ready: true, serving: true, ejected: false, inFlight: 0 }));
        const random = seeded(seed);
        // Requests that never finish: with two choices the busiest endpoint stays within a few of the idlest.
        for (let i = 0; i < 50 * n; i++) {
          const at = pickEndpoint(list, 'least-request', { cursor: 0 }, random)!;
          (list[at] as { inFlight: number }).inFlight++;
        }
        const loads = list.map((e) => e.inFlight);
        assert.ok(Math.max(...loads) - Math.min(...loads) <= 10, `requests in flight per endpoint: ${loads.join(',')}`);
      }),
    );
  });

  it('least request picks the less busy of two', () => {
    const list: PickableEndpoint[] = [
      { ready: true, serving: true, ejected: false, inFlight: 5 },
      { ready: true, serving: true, ejected: false, inFlight: 1 },
    ];
    for (const r of [0, 0.3, 0.6, 0.99])
      assert.equal(
        pickEndpoint(list, 'least-request', { cursor: 0 }, () => r),
        1,
      );
  });
});
