import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileLabelSelector } from '../src/label-selector.js';
import { parseLabelSelectorText } from '../src/label-selector-text.js';
import { ReferenceGrantIndex } from '../src/reference-grants.js';

describe('label selectors', () => {
  const match = (selector: unknown, labels: Record<string, string>) => {
    const compiled = compileLabelSelector(selector);
    assert.ok(compiled.ok, JSON.stringify(compiled));
    return compiled.matches(labels);
  };
  it('evaluates matchLabels and every matchExpressions operator', () => {
    assert.equal(match({ matchLabels: { team: 'web' } }, { team: 'web', x: 'y' }), true);
    assert.equal(match({ matchLabels: { team: 'web' } }, { team: 'db' }), false);
    assert.equal(match({ matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }] }, { env: 'b' }), true);
    assert.equal(match({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['a'] }] }, {}), true);
    assert.equal(match({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['a'] }] }, { env: 'a' }), false);
    assert.equal(match({ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, { env: '' }), true);
    assert.equal(match({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, { env: '' }), false);
    assert.equal(match({}, { anything: 'x' }), true);
  });
  it('reports malformed selectors instead of matching everything', () => {
    assert.equal(compileLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }).ok, false);
    assert.equal(compileLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Near' }] }).ok, false);
    assert.equal(compileLabelSelector({ matchLabels: { a: 1 } }).ok, false);
    assert.equal(compileLabelSelector('team=web').ok, false);
  });
});

describe('label selectors as text (kubectl -l)', () => {
  const match = (text: string, labels: Record<string, string>) => {
    const parsed = parseLabelSelectorText(text);
    assert.ok(parsed.ok, JSON.stringify(parsed));
    return parsed.matches(labels);
  };
  it('reads equality, set and existence requirements, all of which must hold', () => {
    assert.equal(match('', { any: 'x' }), true);
    assert.equal(match('env=prod', { env: 'prod' }), true);
    assert.equal(match('env==prod', { env: 'staging' }), false);
    assert.equal(match('env!=prod', {}), true);
    assert.equal(match('env!=prod', { env: 'prod' }), false);
    assert.equal(match('env in (prod, staging)', { env: 'staging' }), true);
    assert.equal(match('env notin (prod,staging)', { env: 'staging' }), false);
    assert.equal(match('example.com/tier', { 'example.com/tier': '' }), true);
    assert.equal(match('!legacy', { legacy: 'yes' }), false);
    assert.equal(match('env in (prod), !legacy, team=web', { env: 'prod', team: 'web' }), true);
    assert.equal(match('env in (prod), !legacy, team=web', { env: 'prod', team: 'db' }), false);
  });
  it('writes a canonical form', () => {
    const parsed = parseLabelSelectorText(' env in (prod) ,  !legacy,tier notin (a, b), x==y ');
    assert.ok(parsed.ok);
    assert.equal(parsed.canonical, 'env=prod,!legacy,tier notin (a,b),x=y');
  });
  it('refuses what kubectl refuses, naming the problem', () => {
    for (const bad of ['env in (prod', 'env in prod)', 'env=prod,', ',env', 'env in ()', 'env=a b', 'env===x', '-bad=x', 'env=(x)'])
      assert.equal(parseLabelSelectorText(bad).ok, false, bad);
  });
  it('never throws, and what it accepts it reads back the same', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const parsed = parseLabelSelectorText(text);
        if (!parsed.ok) return;
        const again = parseLabelSelectorText(parsed.canonical);
        assert.ok(again.ok);
        assert.equal(again.canonical, parsed.canonical);
      }),
    );
  });
});

describe('reference grants', () => {
  const grants = new ReferenceGrantIndex(
    [
      {
        apiVersion: 'gateway.networking.k8s.io/v1beta1',
        kind: 'ReferenceGrant',
        metadata: { name: 'all', namespace: 'backends' },
        spec: {
          from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'apps' }],
          to: [{ group: '', kind: 'Service' }],
        },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'ReferenceGrant',
        metadata: { name: 'one', namespace: 'certs' },
        spec: {
          from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra' }],
          to: [{ group: '', kind: 'Secret', name: 'client' }],
        },
      },
    ],
    'default',
  );
  const ask = (fromKind: string, fromNamespace: string, toKind: string, toNamespace: string, toName: string) =>
    grants.permits({ fromGroup: 'gateway.networking.k8s.io', fromKind, fromNamespace, toGroup: '', toKind, toNamespace, toName });
  it('permits same-namespace references and granted cross-namespace ones', () => {
    assert.equal(ask('HTTPRoute', 'x', 'Service', 'x', 'svc'), true);
    assert.equal(ask('HTTPRoute', 'apps', 'Service', 'backends', 'anything'), true);
    assert.equal(ask('Gateway', 'infra', 'Secret', 'certs', 'client'), true);
  });
  it('refuses the wrong name, kind, source namespace or grant namespace', () => {
    assert.equal(ask('Gateway', 'infra', 'Secret', 'certs', 'other'), false);
    assert.equal(ask('HTTPRoute', 'infra', 'Secret', 'certs', 'client'), false);
    assert.equal(ask('HTTPRoute', 'other', 'Service', 'backends', 'svc'), false);
    assert.equal(ask('HTTPRoute', 'apps', 'Service', 'elsewhere', 'svc'), false);
  });
});
