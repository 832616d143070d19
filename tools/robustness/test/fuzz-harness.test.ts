// The fuzz property must be able to fail: a translator with each kind of defect it
// looks for is run through it and must be caught. Without this, a harness that checks
// nothing would pass as well as a correct translator.
import assert from 'node:assert/strict';
import { translateAgentEndpoints, type ClusterSnapshot, type TranslationResult } from '@kupstream/core';
import { checkTranslation, fuzzTranslator } from './support/fuzz-property.js';
import { GOLDEN_NOW, loadSeeds, type Seed } from './support/seeds.js';

const real = (s: ClusterSnapshot) => translateAgentEndpoints(s, { now: () => GOLDEN_NOW });
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A translator that is fine on the seeds and breaks once a field of an AgentEndpoint has the wrong type. */
function brokenOnWrongTypes(defect: (result: TranslationResult, snapshot: ClusterSnapshot) => TranslationResult) {
  return (snapshot: ClusterSnapshot) => {
    const result = real(snapshot);
    const wrong = (snapshot.agentEndpoints ?? []).some((a) => !isRecord(a) || !isRecord(a.spec) || typeof a.spec.url !== 'string');
    return wrong ? defect(result, snapshot) : result;
  };
}

const defects: Record<string, (result: TranslationResult, snapshot: ClusterSnapshot) => TranslationResult> = {
  throws: () => {
    throw new TypeError("Cannot read properties of null (reading 'url')");
  },
  'writes into its input': (result, snapshot) => {
    (snapshot.agentEndpoints as unknown[]).push({});
    return result;
  },
  'names an upstream that does not exist': (result) =>
    ({
      ...result,
      endpoints: [
        { name: 'e', url: 'https://e', sources: [], routes: [{ name: 'r', matches: [], backends: [{ upstream: 'ghost', weight: 1 }] }] },
      ],
    }) as unknown as TranslationResult,
  'emits a status without a name': (result) =>
    ({ ...result, statuses: [{ apiVersion: 'v1', kind: 'AgentEndpoint', name: '', status: {} }] }) as unknown as TranslationResult,
  'emits a diagnostic without a resource': (result) =>
    ({ ...result, diagnostics: [{ severity: 'error', code: 'X', message: 'x' }] }) as unknown as TranslationResult,
  'depends on the order of its input': (result, snapshot) =>
    ({
      ...result,
      diagnostics: [
        {
          severity: 'info',
          code: 'First',
          message: JSON.stringify(snapshot.agentEndpoints?.[0] ?? null),
          resource: { kind: 'AgentEndpoint', name: 'a' },
        },
      ],
    }) as unknown as TranslationResult,
  'is not deterministic': (result) =>
    ({
      ...result,
      diagnostics: [
        { severity: 'info', code: 'Clock', message: String(process.hrtime.bigint()), resource: { kind: 'AgentEndpoint', name: 'a' } },
      ],
    }) as unknown as TranslationResult,
};

describe('fuzz harness self-test', () => {
  let seeds: Seed[];
  before(async () => {
    seeds = await loadSeeds('core');
  });

  it('passes the real translator on the seeds', () => {
    for (const seed of seeds) checkTranslation(real, structuredClone(seed.snapshot), seed.name);
  });

  for (const [name, defect] of Object.entries(defects)) {
    it(`catches a translator that ${name} on mutated input`, () => {
      assert.throws(() => fuzzTranslator(seeds, brokenOnWrongTypes(defect), 300), /Property failed/);
    });
  }
});
