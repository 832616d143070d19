// HTTPRoute rule timeouts and retry: Gateway API durations, the limits the API's own
// validation sets, and the model's millisecond shapes.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { durationMs, readRetry, readTimeouts } from '../src/rule-policies.js';

describe('rule timeouts and retry', () => {
  it('reads Gateway API durations (1 to 4 groups of up to 5 digits and h, m, s or ms)', () => {
    assert.equal(durationMs('500ms'), 500);
    assert.equal(durationMs('1h30m'), 5_400_000);
    assert.equal(durationMs('1m2s3ms'), 62_003);
    assert.equal(durationMs('0s'), 0);
    for (const bad of ['', '1', '1.5s', '-1s', '1d', '123456s', '1s1s1s1s1s', ' 1s', 5])
      assert.equal(durationMs(bad), undefined, String(bad));
  });
  it('a duration written from parts reads back as their sum (property)', () => {
    const part = fc.record({ n: fc.integer({ min: 0, max: 99_999 }), unit: fc.constantFrom('h', 'm', 's', 'ms') });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
        const ms = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
        assert.equal(
          durationMs(parts.map((p) => `${p.n}${p.unit}`).join('')),
          parts.reduce((sum, p) => sum + p.n * ms[p.unit], 0),
        );
      }),
    );
  });
  it('timeouts: milliseconds; 0s disables; backendRequest may not exceed request', () => {
    assert.deepEqual(readTimeouts({ request: '10s', backendRequest: '2s' }, 't'), {
      ok: true,
      value: { requestMs: 10_000, backendRequestMs: 2_000 },
    });
    assert.deepEqual(readTimeouts({ request: '0s' }, 't'), { ok: true, value: undefined });
    assert.deepEqual(readTimeouts({ request: '0s', backendRequest: '1s' }, 't'), { ok: true, value: { backendRequestMs: 1_000 } });
    assert.deepEqual(readTimeouts(undefined, 't'), { ok: true, value: undefined });
    const longer = readTimeouts({ request: '1s', backendRequest: '2s' }, 't');
    assert.equal(!longer.ok && longer.field, 't.backendRequest');
    const disabledBackend = readTimeouts({ request: '1s', backendRequest: '0s' }, 't');
    assert.equal(disabledBackend.ok, false);
    const bad = readTimeouts({ request: 'soon' }, 't');
    assert.equal(!bad.ok && bad.field, 't.request');
    assert.equal(readTimeouts('10s', 't').ok, false);
  });
  it('retry: attempts, backoff and codes (sorted, unique, 400-599); no attempts means no retry', () => {
    assert.deepEqual(readRetry({ attempts: 2, backoff: '100ms', codes: [503, 500, 503] }, 'r'), {
      ok: true,
      value: { attempts: 2, backoffMs: 100, codes: [500, 503] },
    });
    assert.deepEqual(readRetry({ attempts: 3 }, 'r'), { ok: true, value: { attempts: 3 } });
    assert.deepEqual(readRetry({ codes: [500] }, 'r'), { ok: true, value: undefined });
    assert.deepEqual(readRetry({ attempts: 0, codes: [500] }, 'r'), { ok: true, value: undefined });
    for (const [bad, field] of [
      [{ attempts: -1 }, 'r.attempts'],
      [{ attempts: 1.5 }, 'r.attempts'],
      [{ attempts: 1, codes: [200] }, 'r.codes'],
      [{ attempts: 1, codes: '500' }, 'r.codes'],
      [{ attempts: 1, backoff: 'fast' }, 'r.backoff'],
    ] as const) {
      const outcome = readRetry(bad, 'r');
      assert.equal(!outcome.ok && outcome.field, field, JSON.stringify(bad));
    }
  });
});
