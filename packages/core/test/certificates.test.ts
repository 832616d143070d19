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

  describe('a CA bundle during a rollover', () => {
    const DAY = 86_400_000;
    const at = new Date('2026-06-01T00:00:00Z');
    let old: Awaited<ReturnType<typeof createCa>>;
    let next: Awaited<ReturnType<typeof createCa>>;
    let expired: Awaited<ReturnType<typeof createCa>>;
    let future: Awaited<ReturnType<typeof createCa>>;
    before(async () => {
      old = await createCa({
        subject: 'CN=BackendCA',
        notBefore: new Date(at.getTime() - 300 * DAY),
        notAfter: new Date(at.getTime() + 30 * DAY),
      });
      next = await createCa({
        subject: 'CN=BackendCA',
        notBefore: new Date(at.getTime() - DAY),
        notAfter: new Date(at.getTime() + 700 * DAY),
      });
      expired = await createCa({
        subject: 'CN=Retired',
        notBefore: new Date(at.getTime() - 400 * DAY),
        notAfter: new Date(at.getTime() - DAY),
      });
      future = await createCa({
        subject: 'CN=Future',
        notBefore: new Date(at.getTime() + 10 * DAY),
        notAfter: new Date(at.getTime() + 800 * DAY),
      });
    });

    it('keeps every CA valid now, in order, and digests exactly those', () => {
      const both = checkCaBundle(old.certPem + next.certPem, at);
      assert.equal(both.count, 2);
      assert.deepEqual(both.problems, []);
      assert.equal(both.pem, checkCaBundle(old.certPem, at).pem! + checkCaBundle(next.certPem, at).pem!);
      assert.notEqual(both.sha256, checkCaBundle(next.certPem + old.certPem, at).sha256, 'order is part of the bundle');
    });

    it('leaves an expired CA out with a warning, and keeps one not valid yet with a warning', () => {
      const check = checkCaBundle(expired.certPem + next.certPem + future.certPem, at);
      assert.equal(check.count, 2);
      assert.equal(check.sha256, checkCaBundle(next.certPem + future.certPem, at).sha256);
      assert.deepEqual(
        check.problems.map((p) => [p.code, p.fatal]),
        [
          ['CertificateExpired', false],
          ['CertificateNotYetValid', false],
        ],
      );
      assert.match(check.problems[0]!.message, /CN=Retired expired at .* left out/);
    });

    it('fails closed when every CA has expired', () => {
      const check = checkCaBundle(expired.certPem, at);
      assert.equal(check.pem, undefined);
      assert.equal(check.sha256, undefined);
      assert.ok(check.problems.some((p) => p.code === 'CaBundleExpired' && p.fatal));
      // The same bundle, evaluated when it was still valid, is used: the clock decides, not the content.
      assert.equal(checkCaBundle(expired.certPem, new Date(at.getTime() - 2 * DAY)).count, 1);
    });

    it('keeps a certificate found twice once (bundles unified from several sources)', () => {
      const twice = checkCaBundle(next.certPem + old.certPem + next.certPem, at);
      assert.equal(twice.count, 2);
      assert.equal(twice.sha256, checkCaBundle(next.certPem + old.certPem, at).sha256);
    });
  });
});
