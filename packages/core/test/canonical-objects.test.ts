import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalObjects } from '../src/building-blocks.js';

describe('canonicalObjects', () => {
  it('orders by namespace/name, then content, whatever the input order; drops non-objects', () => {
    const objects = [
      { metadata: { name: 'b' }, v: 1 },
      { metadata: { name: 'a', namespace: 'z' } },
      { metadata: { name: 'b' }, v: 0 },
      { metadata: { name: 'a' } },
    ];
    const expected = [objects[3], objects[2], objects[0], objects[1]];
    fc.assert(
      fc.property(fc.shuffledSubarray([...objects, null, 7, 'x', [1]], { minLength: 8, maxLength: 8 }), (order) => {
        assert.deepEqual(canonicalObjects(order as unknown[], 'default'), expected);
      }),
    );
  });

  it('tolerates a missing list and objects that cannot be serialized', () => {
    assert.deepEqual(canonicalObjects(undefined, 'default'), []);
    const cyclic: Record<string, unknown> = { metadata: { name: 'c' } };
    cyclic.self = cyclic;
    assert.equal(canonicalObjects([cyclic, { metadata: { name: 'c' } }], 'default').length, 2);
  });
});
