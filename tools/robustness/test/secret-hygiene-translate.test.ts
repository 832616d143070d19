// Secret hygiene of the libraries' text: manifests full of real keys (good and broken
// Secrets referenced from everywhere a translator reads key material) through every
// translator and mergeResults; the stable JSON, every diagnostic and condition message,
// and util.inspect / JSON.stringify / String of every public object must hold no key.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  CredentialStore,
  mergeResults,
  toStableJson,
  translateAgentEndpoints,
  type ClusterSnapshot,
  type TranslationResult,
} from '@kupstream/core';
import { translateGatewayApi } from '@kupstream/gateway';
import { translateIngresses } from '@kupstream/ingress';
import { snapshotFromYaml } from '@kupstream/golden';
import { KeyScanner, textForms } from './support/leaks.js';
import { buildSecretWorld, type SecretWorld } from './support/secret-manifests.js';

describe('secret hygiene: translators, results and the credential store', () => {
  let world: SecretWorld;
  let scanner: KeyScanner;
  let snapshot: ClusterSnapshot;
  let results: Record<string, TranslationResult>;

  before(async () => {
    world = await buildSecretWorld();
    scanner = new KeyScanner(world.keys);
    snapshot = snapshotFromYaml(world.yaml);
    const now = () => new Date();
    const gateway = translateGatewayApi(snapshot, { now, assumeClassesWhenAbsent: true });
    const ingress = translateIngresses(snapshot, { now, assumeClassesWhenAbsent: true });
    const agent = translateAgentEndpoints(snapshot, { now });
    results = { gateway, ingress, agent, merged: mergeResults(gateway, ingress, agent) };
  });

  // The scan itself must be able to fail, for each form of leak it claims to find.
  describe('the scanner', () => {
    it('finds a PEM key, a 40-character excerpt of its body, and the Secret data base64', () => {
      const key = world.pki.client.keyPem;
      const body = key.split('\n')[5]!;
      assert.notDeepEqual(scanner.scan(key, 'pem'), []);
      assert.notDeepEqual(scanner.scan(`bad key near "${body.slice(3, 45)}"`, 'excerpt'), []);
      assert.notDeepEqual(scanner.scan(JSON.stringify({ data: Buffer.from(key).toString('base64').slice(100, 141) }), 'data'), []);
      assert.notDeepEqual(scanner.scan(inspect({ keyPem: key.replace(/-----[A-Z ]+-----/g, '') }), 'inspect'), []);
      assert.deepEqual(
        scanner.scan(world.pki.client.certPem + Buffer.from(world.pki.client.certPem).toString('base64'), 'certificate'),
        [],
      );
    });

    it('finds the key in the translator input, so the inputs do carry every key', () => {
      const all = scanner.scan(world.yaml, 'manifests').join('\n');
      for (const { label } of world.keys.filter((k) => !k.label.startsWith('other')))
        assert.match(all, new RegExp(label), `${label} is not in the manifests`);
    });
  });

  it('has translated key material into the credential store (the test exercises real credentials)', () => {
    const summary = results.merged!.credentials.summary();
    assert.ok(
      summary.clients.some((c) => c.key === 'default/good-client'),
      JSON.stringify(summary),
    );
    assert.ok(
      results.merged!.upstreams.some((u) => u.tls?.clientCertificate),
      'no upstream carries a client certificate',
    );
    assert.ok(results.merged!.diagnostics.length > 10, 'the broken Secrets were not diagnosed');
  });

  for (const name of ['gateway', 'ingress', 'agent', 'merged']) {
    it(`leaks no key from the ${name} result in its JSON, messages or any text form`, () => {
      const result = results[name]!;
      const leaks = [
        ...scanner.scan(toStableJson(result), 'toStableJson'),
        ...scanner.scan(toStableJson(result, 0), 'toStableJson (compact)'),
        ...result.diagnostics.flatMap((d, i) => scanner.scan(`${d.message} ${d.field ?? ''}`, `diagnostics[${i}] ${d.code}`)),
        ...result.statuses.flatMap((s) => scanner.scan(JSON.stringify(s.status), `status of ${s.kind} ${s.name}`)),
        ...Object.entries(textForms(result)).flatMap(([form, text]) => scanner.scan(text, `${form}(result)`)),
      ];
      assert.deepEqual(leaks, []);
    });
  }

  it('leaks no key from the credential store in any text form, nor from its events', () => {
    const store = results.merged!.credentials;
    const events: unknown[] = [];
    const copy = new CredentialStore();
    copy.on('change', (change) => events.push(change));
    copy.absorb(store);
    copy.replaceWith(new CredentialStore());
    assert.ok(events.length > 0);
    const leaks = [
      ...Object.entries(textForms(store)).flatMap(([form, text]) => scanner.scan(text, `${form}(store)`)),
      ...scanner.scan(JSON.stringify(store.summary()), 'summary()'),
      ...Object.entries(textForms(events)).flatMap(([form, text]) => scanner.scan(text, `${form}(change events)`)),
    ];
    assert.deepEqual(leaks, []);
  });
});
