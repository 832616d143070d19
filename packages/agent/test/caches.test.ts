import assert from 'node:assert/strict';
import { createSeedPki, issue, type SeedPki } from '@kupstream/test-pki';
import { SecureContextCache, secureContextCacheFor, SessionCache, sessionKey } from '../src/index.js';
import { caSha256, CLIENT_SECRET, storeWith } from './support/fixtures.js';

describe('caches', () => {
  let pki: SeedPki;
  before(async () => {
    pki = await createSeedPki();
  });

  it('one SecureContext per (identity + version, CA, min version), built once, rebuilt after rotation', async () => {
    const store = storeWith(pki.client, [pki.ca.certPem]);
    const cache = new SecureContextCache(store);
    const client = store.get(CLIENT_SECRET);
    assert.ok(client);
    const a = cache.get({ client, minVersion: 'TLSv1.2' });
    assert.equal(cache.get({ client, minVersion: 'TLSv1.2' }), a);
    assert.notEqual(cache.get({ client, minVersion: 'TLSv1.3' }), a);
    const withCa = cache.get({ client, caSha256: caSha256(pki.ca.certPem), minVersion: 'TLSv1.2' });
    assert.notEqual(withCa.context, a.context);
    assert.equal(a.identity, 'default/client-cert-secret@1');
    assert.equal(a.clientSha256, pki.client.sha256);
    assert.equal(cache.size, 3);
    const rotated = await issue(pki.ca, { subject: 'CN=Next', extendedKeyUsage: ['clientAuth'], keyType: 'ec' });
    const next = store.set(CLIENT_SECRET, { certChainPem: rotated.certPem, keyPem: rotated.keyPem });
    assert.equal(cache.size, 0, 'entries of the old version are dropped on change');
    const b = cache.get({ client: next, minVersion: 'TLSv1.2' });
    assert.notEqual(b, a);
    assert.equal(b.clientSha256, rotated.sha256);
    assert.equal(secureContextCacheFor(store), secureContextCacheFor(store));
  });

  it('session cache: LRU-bounded, per-identity deletion, keys differ by every authentication input', () => {
    const parts = {
      host: 'h',
      port: 443,
      servername: 'h',
      verification: 'none',
      caSha256: 'default',
      identity: 'ns/a@1',
      clientSha256: 'AA',
    };
    const keys = [
      sessionKey(parts),
      sessionKey({ ...parts, identity: 'ns/a@2' }),
      sessionKey({ ...parts, clientSha256: 'BB' }),
      sessionKey({ ...parts, caSha256: 'ff' }),
      sessionKey({ ...parts, verification: 'ca:h' }),
      sessionKey({ ...parts, servername: 'other' }),
      sessionKey({ ...parts, port: 8443 }),
    ];
    assert.equal(new Set(keys).size, keys.length);
    const cache = new SessionCache(2);
    cache.set(keys[0]!, Buffer.from('s0'));
    cache.set(keys[1]!, Buffer.from('s1'));
    cache.get(keys[0]!);
    cache.set(keys[2]!, Buffer.from('s2'));
    assert.equal(cache.get(keys[1]!), undefined, 'least recently used evicted');
    assert.equal(cache.get(keys[0]!)?.toString(), 's0');
    cache.deleteIdentity('ns/a');
    assert.equal(cache.size, 0);
  });
});
