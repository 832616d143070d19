import assert from 'node:assert/strict';
import { createCa, issue } from '@kupstream/test-pki';
import { CertificateCache, checkCaBundle, checkKeyPair } from '../src/building-blocks.js';

describe('CertificateCache', () => {
  const now = new Date();
  const later = new Date(now.getTime() + 400 * 864e5);

  it('gives the same checks as no cache, for every clock and purpose', async () => {
    const ca = await createCa();
    const other = await createCa({ subject: 'CN=Other' });
    const good = await issue(ca, { subject: 'CN=good', extendedKeyUsage: ['clientAuth'] });
    const noEku = await issue(ca, { subject: 'CN=noeku' });
    const pairs = [
      [good.certPem, good.keyPem],
      [noEku.certPem, noEku.keyPem],
      [good.certPem, other.keyPem],
      [good.certPem, 'not a key'],
      ['garbage', good.keyPem],
      [good.certPem + other.certPem, good.keyPem],
    ] as const;
    const cache = new CertificateCache();
    for (let round = 0; round < 2; round++) {
      for (const [chain, key] of pairs) {
        for (const when of [now, later]) {
          for (const purpose of ['client', 'server'] as const) {
            assert.deepEqual(checkKeyPair(chain, key, when, purpose, cache), checkKeyPair(chain, key, when, purpose));
          }
        }
      }
      for (const pem of [ca.certPem, ca.certPem + 'junk', ca.certPem + other.certPem, 'nothing']) {
        for (const when of [now, later]) assert.deepEqual(checkCaBundle(pem, when, cache), checkCaBundle(pem, when));
      }
    }
    assert.equal(cache.size, pairs.length + 4);
  });

  it('drops entries a generation did not use', async () => {
    const ca = await createCa();
    const cache = new CertificateCache();
    checkCaBundle(ca.certPem, now, cache);
    cache.sweep();
    assert.equal(cache.size, 1);
    cache.sweep();
    assert.equal(cache.size, 0);
  });
});
