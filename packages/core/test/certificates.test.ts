import assert from 'node:assert/strict';
import { createCa, createSeedPki, issue } from '@kupstream/test-pki';
import { checkKeyPair, checkCaBundle } from '../src/building-blocks.js';

describe('certificates', () => {
  const now = new Date();

  it('accepts the seed client certificate', async () => {
    const { client } = await createSeedPki();
    const check = checkKeyPair(client.certPem, client.keyPem, now, 'client');
    assert.equal(check.usable, true, JSON.stringify(check.problems));
    assert.equal(check.facts?.subject, 'CN=ExampleClient');
    assert.equal(check.facts?.issuer, 'CN=ExampleCA');
    assert.match(check.facts!.sha256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('reports each problem with its own code', async () => {
    const ca = await createCa();
    const other = await createCa({ subject: 'CN=Other' });
    const cases: [string, () => Promise<{ chain: string; key: string }>][] = [
      [
        'CertificateExpired',
        async () => {
          const c = await issue(ca, {
            subject: 'CN=old',
            extendedKeyUsage: ['clientAuth'],
            notBefore: new Date(now.getTime() - 10 * 864e5),
            notAfter: new Date(now.getTime() - 864e5),
          });
          return { chain: c.certPem, key: c.keyPem };
        },
      ],
      [
        'CertificateNotYetValid',
        async () => {
          const c = await issue(ca, {
            subject: 'CN=new',
            extendedKeyUsage: ['clientAuth'],
            notBefore: new Date(now.getTime() + 864e5),
            notAfter: new Date(now.getTime() + 10 * 864e5),
          });
          return { chain: c.certPem, key: c.keyPem };
        },
      ],
      [
        'CertificateMissingClientAuth',
        async () => {
          const c = await issue(ca, { subject: 'CN=srv', extendedKeyUsage: ['serverAuth'] });
          return { chain: c.certPem, key: c.keyPem };
        },
      ],
      [
        'CertificateWeakKey',
        async () => {
          const c = await issue(ca, { subject: 'CN=weak', extendedKeyUsage: ['clientAuth'], rsaBits: 1024 });
          return { chain: c.certPem, key: c.keyPem };
        },
      ],
      [
        'PrivateKeyMismatch',
        async () => {
          const a = await issue(ca, { subject: 'CN=a', extendedKeyUsage: ['clientAuth'] });
          return { chain: a.certPem, key: other.keyPem };
        },
      ],
      [
        'PrivateKeyInvalid',
        async () => {
          const a = await issue(ca, { subject: 'CN=a', extendedKeyUsage: ['clientAuth'] });
          return { chain: a.certPem, key: 'not a key' };
        },
      ],
      ['CertificateInvalidPem', async () => ({ chain: 'garbage', key: ca.keyPem })],
      [
        'CertificateChainOrder',
        async () => {
          const a = await issue(ca, { subject: 'CN=a', extendedKeyUsage: ['clientAuth'] });
          return { chain: a.certPem + other.certPem, key: a.keyPem };
        },
      ],
    ];
    for (const [code, make] of cases) {
      const { chain, key } = await make();
      const check = checkKeyPair(chain, key, now, 'client');
      assert.ok(
        check.problems.some((p) => p.code === code && p.fatal),
        `${code}: got ${JSON.stringify(check.problems)}`,
      );
      assert.equal(check.usable, false);
      for (const p of check.problems) assert.doesNotMatch(p.message, /PRIVATE KEY/);
    }
  });

  it('warns, without failing, on a certificate with no extended key usage', async () => {
    const ca = await createCa();
    const c = await issue(ca, { subject: 'CN=plain' });
    const check = checkKeyPair(c.certPem, c.keyPem, now, 'client');
    assert.equal(check.usable, true);
    assert.deepEqual(
      check.problems.map((p) => p.code),
      ['CertificateNoExtendedKeyUsage'],
    );
  });

  it('digests a CA bundle independently of PEM formatting', async () => {
    const ca = await createCa();
    const a = checkCaBundle(ca.certPem, now);
    const b = checkCaBundle(`\n\n${ca.certPem.replace(/\n/g, '\r\n')}`, now);
    assert.equal(a.count, 1);
    assert.equal(a.sha256, b.sha256);
    assert.equal(checkCaBundle('nope', now).problems[0]?.code, 'CaBundleInvalid');
  });
});
