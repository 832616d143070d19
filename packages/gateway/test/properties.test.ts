import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toStableJson, type ClusterSnapshot } from '@kupstream/core';
import { GOLDEN_NOW } from '@kupstream/golden';
import { translateGatewayApi } from '../src/index.js';
import { mergedSnapshot, RICH_CASES } from './merged-snapshot.js';

const options = { now: () => GOLDEN_NOW, assumeClassesWhenAbsent: true };
const translate = (snapshot: ClusterSnapshot) => toStableJson(translateGatewayApi(snapshot, options));

function shuffled<T>(list: readonly T[], keys: readonly number[]): T[] {
  return list
    .map((item, i) => ({ item, key: keys[i % Math.max(keys.length, 1)] ?? 0, i }))
    .sort((a, b) => a.key - b.key || b.i - a.i)
    .map((e) => e.item);
}

describe('properties', function () {
  let base: ClusterSnapshot;
  let expected: string;
  before(async () => {
    base = await mergedSnapshot(RICH_CASES);
    expected = translate(base);
  });

  it('the merged input exercises endpoints, upstreams, statuses and diagnostics', () => {
    const result = JSON.parse(expected) as { endpoints: unknown[]; upstreams: unknown[]; statuses: unknown[]; diagnostics: unknown[] };
    assert.ok(result.endpoints.length > 5 && result.upstreams.length > 3 && result.statuses.length > 10 && result.diagnostics.length > 5);
  });

  it('gives byte-identical output for any order of the input objects', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { minLength: 1, maxLength: 40 }), (keys) => {
        const reordered = Object.fromEntries(Object.entries(base).map(([k, list]) => [k, shuffled(list as unknown[], keys)]));
        assert.equal(translate(reordered as ClusterSnapshot), expected);
      }),
      { numRuns: 25 },
    );
  });

  it('is idempotent and never mutates its input', () => {
    const before = JSON.stringify(base);
    assert.equal(translate(base), expected);
    assert.equal(translate(base), expected);
    assert.equal(JSON.stringify(base), before);
  });

  it('never puts private key material in the JSON, while the credentials hold it', () => {
    const result = translateGatewayApi(base, options);
    assert.doesNotMatch(toStableJson(result), /PRIVATE KEY/);
    assert.doesNotMatch(JSON.stringify(result), /PRIVATE KEY/);
    const stored = result.credentials.get({ namespace: 'c0-default', name: 'client-cert-secret' });
    assert.match(stored?.keyPem ?? '', /PRIVATE KEY/);
  });

  it('never throws on arbitrary JSON in any field of any object', () => {
    const kinds = Object.keys(base) as (keyof ClusterSnapshot)[];
    const paths = (value: unknown, prefix: string[] = []): string[][] => {
      if (typeof value !== 'object' || value === null) return [prefix];
      const own = Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => paths(v, [...prefix, k]));
      return [prefix, ...own];
    };
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.nat(), fc.nat(), fc.jsonValue(), (kind, objectIndex, pathIndex, junk) => {
        const list = (base[kind] ?? []) as unknown[];
        const copy = structuredClone(list);
        const target = copy[objectIndex % copy.length];
        const all = paths(target);
        const path = all[pathIndex % all.length]!;
        if (path.length === 0) copy[objectIndex % copy.length] = junk;
        else {
          let node = target as Record<string, unknown>;
          for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
          node[path[path.length - 1]!] = junk;
        }
        const result = translateGatewayApi({ ...base, [kind]: copy }, options);
        assert.doesNotMatch(toStableJson(result), /PRIVATE KEY/);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary snapshots', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(
            'gateways',
            'httpRoutes',
            'gatewayClasses',
            'services',
            'secrets',
            'referenceGrants',
            'backendTLSPolicies',
            'namespaces',
            'configMaps',
          ),
          fc.jsonValue(),
        ),
        (snapshot) => {
          translateGatewayApi(snapshot as ClusterSnapshot, options);
        },
      ),
      { numRuns: 200 },
    );
    for (const junk of [null, undefined, 1, 'x', [], { gateways: null }]) translateGatewayApi(junk as unknown as ClusterSnapshot, options);
  });
});
