import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Match } from '@kupstream/core';
import { comparePrecedence, type RankedRoute } from '../src/precedence.js';

const route = (name: string, creationTimestamp = '2026-01-01T00:00:00Z') => ({
  namespace: 'default',
  name,
  generation: 1,
  creationTimestamp,
});
const ranked = (match: Match, name = 'r', ruleIndex = 0, matchIndex = 0, ts?: string): RankedRoute => ({
  match,
  route: route(name, ts),
  ruleIndex,
  matchIndex,
});

describe('match precedence', () => {
  it('orders Exact > longest PathPrefix > RegularExpression > method > headers > query params', () => {
    const list = [
      ranked({ path: { type: 'RegularExpression', value: '/a.*' } }, 'r', 0, 0),
      ranked({ path: { type: 'PathPrefix', value: '/' } }, 'r', 0, 1),
      ranked({ path: { type: 'PathPrefix', value: '/api' }, queryParams: [{ name: 'q', type: 'Exact', value: '1' }] }, 'r', 0, 2),
      ranked({ path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'h', type: 'Exact', value: '1' }] }, 'r', 0, 3),
      ranked({ path: { type: 'PathPrefix', value: '/api' }, method: 'GET' }, 'r', 0, 4),
      ranked({ path: { type: 'PathPrefix', value: '/api/v1' } }, 'r', 0, 5),
      ranked({ path: { type: 'Exact', value: '/api' } }, 'r', 0, 6),
    ];
    const order = [...list].sort(comparePrecedence).map((r) => r.matchIndex);
    assert.deepEqual(order, [6, 5, 4, 3, 2, 1, 0]);
  });

  it('breaks ties by age, then namespace/name, then rule and match order', () => {
    const m: Match = { path: { type: 'PathPrefix', value: '/x' } };
    const list = [
      ranked(m, 'b', 1, 0, '2026-01-01T00:00:00Z'),
      ranked(m, 'b', 0, 1, '2026-01-01T00:00:00Z'),
      ranked(m, 'b', 0, 0, '2026-01-01T00:00:00Z'),
      ranked(m, 'a', 0, 0, '2026-01-01T00:00:00Z'),
      ranked(m, 'z', 0, 0, '2025-01-01T00:00:00Z'),
    ];
    const order = [...list].sort(comparePrecedence).map((r) => `${r.route.name}/${r.ruleIndex}/${r.matchIndex}`);
    assert.deepEqual(order, ['z/0/0', 'a/0/0', 'b/0/0', 'b/0/1', 'b/1/0']);
  });

  it('is a total order: sorting any permutation gives the same result (property)', () => {
    const match = fc
      .record({
        path: fc.record({
          type: fc.constantFrom('Exact' as const, 'PathPrefix' as const, 'RegularExpression' as const),
          value: fc.constantFrom('/', '/a', '/ab', '/a/b'),
        }),
        method: fc.option(fc.constantFrom('GET', 'POST'), { nil: undefined }),
      })
      .map((m) => (m.method === undefined ? { path: m.path } : m) as Match);
    const item = fc.tuple(match, fc.constantFrom('a', 'b'), fc.nat(2), fc.nat(2)).map(([m, n, r, i]) => ranked(m, n, r, i));
    fc.assert(
      fc.property(
        fc.uniqueArray(item, { selector: (r) => `${r.route.name}/${r.ruleIndex}/${r.matchIndex}`, maxLength: 12 }),
        fc.func(fc.integer()),
        (items, key) => {
          const shuffled = [...items].sort((x, y) => key(x) - key(y));
          assert.deepEqual([...shuffled].sort(comparePrecedence), [...items].sort(comparePrecedence));
        },
      ),
    );
  });
});
