import assert from 'node:assert/strict';
import { readMatch } from '../src/matches.js';
import { readFilters } from '../src/filters.js';

describe('matches', () => {
  it('defaults to PathPrefix / and keeps regular expressions as regular expressions', () => {
    assert.deepEqual(readMatch({}, 'm'), { ok: true, match: { path: { type: 'PathPrefix', value: '/' } } });
    assert.deepEqual(readMatch({ path: { type: 'RegularExpression', value: '^/v[0-9]+' } }, 'm'), {
      ok: true,
      match: { path: { type: 'RegularExpression', value: '^/v[0-9]+' } },
    });
  });

  it('reports an invalid regular expression with its field instead of turning it into a prefix', () => {
    const outcome = readMatch({ path: { type: 'RegularExpression', value: '(' } }, 'spec.rules[0].matches[0]');
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.field, 'spec.rules[0].matches[0].path.value');
    const header = readMatch({ headers: [{ name: 'x', type: 'RegularExpression', value: '[' }] }, 'm');
    assert.equal(!header.ok && header.field, 'm.headers[0].value');
  });

  it('rejects paths that do not start with "/", unknown types and methods', () => {
    assert.equal(readMatch({ path: { value: 'x' } }, 'm').ok, false);
    assert.equal(readMatch({ path: { type: 'Suffix', value: '/x' } }, 'm').ok, false);
    assert.equal(readMatch({ method: 'FETCH' }, 'm').ok, false);
    assert.equal(readMatch({ path: { type: 'PathPrefix', value: '/a//b' } }, 'm').ok, false);
  });
});

describe('filters', () => {
  const prefix = [{ path: { type: 'PathPrefix' as const, value: '/a' } }];
  it('accepts the four core filters in Gateway API shapes', () => {
    const outcome = readFilters(
      [
        { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'a', value: '1' }], remove: ['b'] } },
        { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'c', value: '2' }] } },
        { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b' } } },
      ],
      prefix,
      'f',
    );
    assert.ok(outcome.ok);
    assert.equal(outcome.ok && outcome.filters.length, 3);
  });
  it('defaults the redirect status code to 302 and refuses others', () => {
    const ok = readFilters([{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }], prefix, 'f');
    assert.deepEqual(ok.ok && ok.filters, [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 302 } }]);
    assert.equal(readFilters([{ type: 'RequestRedirect', requestRedirect: { statusCode: 304 } }], prefix, 'f').ok, false);
  });
  it('reports redirect with rewrite as IncompatibleFilters, duplicates and unknown types as UnsupportedValue', () => {
    const both = readFilters(
      [
        { type: 'RequestRedirect', requestRedirect: {} },
        { type: 'URLRewrite', urlRewrite: {} },
      ],
      prefix,
      'f',
    );
    assert.equal(!both.ok && both.reason, 'IncompatibleFilters');
    const twice = readFilters(
      [
        { type: 'URLRewrite', urlRewrite: {} },
        { type: 'URLRewrite', urlRewrite: {} },
      ],
      prefix,
      'f',
    );
    assert.equal(!twice.ok && twice.reason, 'UnsupportedValue');
    const unknown = readFilters([{ type: 'ExtensionRef', extensionRef: {} }], prefix, 'f');
    assert.equal(!unknown.ok && unknown.field, 'f[0]');
  });
  it('reads RequestMirror (percent and fraction as a fraction; several allowed) and leaves the backendRef to the caller', () => {
    const read = readFilters(
      [
        { type: 'RequestMirror', requestMirror: { backendRef: { name: 'a', port: 80 } } },
        { type: 'RequestMirror', requestMirror: { backendRef: { name: 'b', port: 80 }, percent: 25 } },
        { type: 'RequestMirror', requestMirror: { backendRef: { name: 'c', port: 80 }, fraction: { numerator: 1 } } },
      ],
      prefix,
      'f',
    );
    assert.ok(read.ok);
    assert.deepEqual(read.filters, [
      { type: 'RequestMirror', requestMirror: { upstream: '' } },
      { type: 'RequestMirror', requestMirror: { upstream: '', fraction: { numerator: 25, denominator: 100 } } },
      { type: 'RequestMirror', requestMirror: { upstream: '', fraction: { numerator: 1, denominator: 100 } } },
    ]);
    assert.deepEqual(
      read.mirrors?.map((m) => [m.index, m.field]),
      [
        [0, 'f[0].requestMirror.backendRef'],
        [1, 'f[1].requestMirror.backendRef'],
        [2, 'f[2].requestMirror.backendRef'],
      ],
    );
    for (const bad of [
      {},
      { backendRef: { name: 'a' }, percent: 101 },
      { backendRef: { name: 'a' }, percent: 5, fraction: { numerator: 1 } },
    ]) {
      const outcome = readFilters([{ type: 'RequestMirror', requestMirror: bad }], prefix, 'f');
      assert.equal(outcome.ok, false, JSON.stringify(bad));
    }
  });
  it('reads CORS as written and refuses an origin, method or header it could not honour', () => {
    const cors = {
      allowOrigins: ['*', 'https://*.bar.com', 'http://a.test:8080'],
      allowMethods: ['*', 'GET'],
      allowHeaders: ['*', 'x-a'],
      maxAge: 10,
    };
    const read = readFilters([{ type: 'CORS', cors: { ...cors, allowCredentials: false } }], prefix, 'f');
    assert.deepEqual(read.ok && read.filters, [{ type: 'CORS', cors }]);
    for (const bad of [
      { allowOrigins: ['foo.com'] },
      { allowMethods: ['GE T'] },
      { exposeHeaders: ['x y'] },
      { maxAge: 0 },
      { allowCredentials: 'yes' },
    ]) {
      assert.equal(readFilters([{ type: 'CORS', cors: bad }], prefix, 'f').ok, false, JSON.stringify(bad));
    }
  });
});
