// @kupstream/core ships two entry points, the root and '@kupstream/core/building-blocks'.
// Resolved by name as a consumer would, in both module formats, they must share one copy
// of each module: a CredentialStore made by a building block is the root's CredentialStore.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const EMPTY_MODEL = { endpoints: [], upstreams: [], statuses: [], diagnostics: [] };

const formats = {
  ESM: async () => [await import('@kupstream/core'), await import('@kupstream/core/building-blocks')],
  CJS: async () => [require('@kupstream/core'), require('@kupstream/core/building-blocks')],
};

describe('@kupstream/core entry points', () => {
  for (const [format, load] of Object.entries(formats)) {
    it(`share one CredentialStore class and one model of a result (${format})`, async () => {
      const [root, buildingBlocks] = await load();
      const result = buildingBlocks.createTranslationResult(EMPTY_MODEL);
      assert.ok(result.credentials instanceof root.CredentialStore, 'the building blocks construct the root class');
      const merged = root.mergeResults(result, buildingBlocks.createTranslationResult(EMPTY_MODEL, new root.CredentialStore()));
      assert.ok(merged.credentials instanceof root.CredentialStore);
      assert.equal(root.toStableJson(merged), root.toStableJson(result));
    });

    it(`keep the building blocks out of the root (${format})`, async () => {
      const [root, buildingBlocks] = await load();
      assert.equal(root.isRecord, undefined);
      assert.equal(typeof buildingBlocks.isRecord, 'function');
      assert.equal(buildingBlocks.translateAgentEndpoints, undefined);
      assert.equal(typeof root.translateAgentEndpoints, 'function');
    });
  }
});
