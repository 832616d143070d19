import assert from 'node:assert/strict';
import { checkIngressHost, compareIngressRoutes, tlsHostCovers, translatePath } from '../src/index.js';
import type { Route } from '@kupstream/core';

describe('Ingress paths', () => {
  const cases: [unknown, unknown, string, string][] = [
    ['/foo', 'Exact', 'Exact', '/foo'],
    ['/foo/', 'Exact', 'Exact', '/foo/'],
    ['/foo', 'Prefix', 'PathPrefix', '/foo'],
    // Kubernetes ignores a trailing slash on Prefix: /foo/ matches /foo.
    ['/foo/', 'Prefix', 'PathPrefix', '/foo'],
    ['/foo//', 'Prefix', 'invalid', ''],
    ['/', 'Prefix', 'PathPrefix', '/'],
    ['/static', 'ImplementationSpecific', 'PathPrefix', '/static'],
    [undefined, 'ImplementationSpecific', 'PathPrefix', '/'],
    ['', 'Prefix', 'PathPrefix', '/'],
    // Requests are matched on their normalized path, where UTF-8 is percent-encoded.
    ['/café', 'Prefix', 'PathPrefix', '/caf%C3%A9'],
    ['/a\u0000b', 'Exact', 'invalid', ''],
    ['/a%zz', 'Exact', 'invalid', ''],
  ];
  for (const [path, pathType, type, value] of cases) {
    it(`${String(pathType)} ${JSON.stringify(path) ?? 'undefined'} -> ${type} ${value}`, () => {
      const result = translatePath(path, pathType);
      if (type === 'invalid') {
        assert.equal(result.ok, false);
        return;
      }
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(result.match, { type, value });
    });
  }

  it('treats a missing pathType as ImplementationSpecific, with a warning', () => {
    const result = translatePath('/x', undefined);
    assert.ok(result.ok);
    assert.deepEqual(result.match, { type: 'PathPrefix', value: '/x' });
    assert.equal(result.warning?.code, 'IngressPathTypeMissing');
  });

  it('rejects what Kubernetes rejects', () => {
    for (const [path, pathType, code] of [
      ['foo', 'Prefix', 'IngressPathInvalid'],
      ['/a/../b', 'Exact', 'IngressPathInvalid'],
      ['/a/./b', 'Prefix', 'IngressPathInvalid'],
      ['/a%2Fb', 'Prefix', 'IngressPathInvalid'],
      ['/a/.', 'Prefix', 'IngressPathInvalid'],
      ['', 'Exact', 'IngressPathInvalid'],
      ['/a b', 'Exact', 'IngressPathInvalid'],
      ['/a', 'Regex', 'IngressPathTypeInvalid'],
      ['/a', 7, 'IngressPathTypeInvalid'],
      [['/a'], 'Prefix', 'IngressPathInvalid'],
    ] as const) {
      const result = translatePath(path, pathType);
      assert.equal(!result.ok && result.problem.code, code, `${JSON.stringify(path)} ${String(pathType)}`);
    }
  });

  it('orders routes Exact first, then longer prefixes, then by text', () => {
    const route = (name: string, type: 'Exact' | 'PathPrefix', value: string): Route => ({
      name,
      matches: [{ path: { type, value } }],
      backends: [],
    });
    const routes = [
      route('a', 'PathPrefix', '/'),
      route('b', 'PathPrefix', '/api'),
      route('c', 'Exact', '/'),
      route('d', 'PathPrefix', '/apx'),
      route('e', 'Exact', '/api/v1'),
    ];
    assert.deepEqual(
      routes.sort(compareIngressRoutes).map((r) => r.name),
      ['e', 'c', 'b', 'd', 'a'],
    );
  });
});

describe('Ingress hosts', () => {
  it('accepts DNS names and one leading wildcard, folds case', () => {
    assert.deepEqual(checkIngressHost('Example-Hostname.ngrok.io'), { ok: true, host: 'example-hostname.ngrok.io' });
    assert.deepEqual(checkIngressHost('*.example.com'), { ok: true, host: '*.example.com' });
  });
  it('rejects IPs, empty hosts and bad names', () => {
    for (const host of ['10.1.2.3', '::1', '', undefined, 'a..b', '*.*.x', 'foo_bar.com', '-a.com', 42])
      assert.equal(checkIngressHost(host).ok, false, String(host));
  });
  it('a wildcard TLS host covers exactly one label', () => {
    assert.equal(tlsHostCovers('*.example.com', 'app.example.com'), true);
    assert.equal(tlsHostCovers('*.example.com', 'deep.app.example.com'), false);
    assert.equal(tlsHostCovers('*.example.com', 'example.com'), false);
    assert.equal(tlsHostCovers('app.example.com', 'app.example.com'), true);
    assert.equal(tlsHostCovers('*.example.com', '*.example.com'), true);
  });
});
