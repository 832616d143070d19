import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Route } from '@kupstream/core';
import { applyFilters, rewritePath } from '../src/filters.js';
import { normalizePath } from '../src/request-target.js';
import { compileRouteTable, hostOf, pathPrefixMatches, pickBackend, type RequestFacts } from '../src/router.js';
import { endpoint, model, route } from './support/proxy-harness.js';

function facts(path: string, init: { method?: string; headers?: Record<string, string>; query?: string } = {}): RequestFacts {
  return { method: init.method ?? 'GET', path, query: new URLSearchParams(init.query ?? ''), headers: init.headers ?? {} };
}

describe('router', () => {
  const routes: Route[] = [
    route('exact', [{ upstream: 'u' }], { matches: [{ path: { type: 'Exact', value: '/exact' } }] }),
    route('regex', [{ upstream: 'u' }], { matches: [{ path: { type: 'RegularExpression', value: '/items/[0-9]+' } }] }),
    route('header', [{ upstream: 'u' }], {
      matches: [{ path: { type: 'PathPrefix', value: '/h' }, headers: [{ name: 'X-Env', type: 'Exact', value: 'canary' }] }],
    }),
    route('header-re', [{ upstream: 'u' }], {
      matches: [{ path: { type: 'PathPrefix', value: '/h' }, headers: [{ name: 'x-env', type: 'RegularExpression', value: 'prod-.*' }] }],
    }),
    route('query', [{ upstream: 'u' }], { matches: [{ queryParams: [{ name: 'v', type: 'Exact', value: '2' }] }] }),
    route('method', [{ upstream: 'u' }], { matches: [{ method: 'DELETE' }] }),
    route('bad-regex', [{ upstream: 'u' }], { matches: [{ path: { type: 'RegularExpression', value: '([' } }] }),
    route('prefix', [{ upstream: 'u' }], { matches: [{ path: { type: 'PathPrefix', value: '/foo/' } }] }),
  ];
  const table = compileRouteTable(
    model(
      [
        endpoint('https://app.example.com', routes),
        endpoint('https://*.wild.example.com', [route('wild', [{ upstream: 'u' }])]),
        endpoint('https://*.example.com', [route('wider', [{ upstream: 'u' }])]),
        endpoint('tcp://1.tcp.example.com:12345', [route('l4', [{ upstream: 'u' }])]),
      ],
      [],
    ),
  );
  const name = (host: string, f: RequestFacts) => table.route(host, f)?.route.route.name;

  it('normalizes Exact and PathPrefix values as requests are normalized, so escapes of either case and merged slashes match', () => {
    const normalizing = compileRouteTable(
      model(
        [
          endpoint('https://n.example', [
            route('cafe', [{ upstream: 'u' }], { matches: [{ path: { type: 'Exact', value: '/caf%c3%a9' } }] }),
            route('tilde', [{ upstream: 'u' }], { matches: [{ path: { type: 'PathPrefix', value: '/%7Euser//docs' } }] }),
            route('escaped-slash', [{ upstream: 'u' }], { matches: [{ path: { type: 'PathPrefix', value: '/a%2Fb' } }] }),
          ]),
        ],
        [],
      ),
    );
    const at = (raw: string) => {
      const path = normalizePath(raw);
      assert.ok(path !== undefined, raw);
      return normalizing.route('n.example', facts(path))?.route.route.name;
    };
    assert.equal(at('/caf%C3%A9'), 'cafe');
    assert.equal(at('/caf%c3%a9'), 'cafe');
    assert.equal(at('/~user/docs/x'), 'tilde');
    assert.equal(at('/%7euser/docs'), 'tilde');
    // `/a%2Fb` is refused as a request target; the route's value matches nothing, `/a/b` included.
    assert.equal(at('/a/b'), undefined);
  });

  it('routes by listener port when given: only endpoints on that port (80/443 when the URL has none)', () => {
    const ported = compileRouteTable(
      model(
        [
          endpoint('http://app.example', [route('app-80', [{ upstream: 'u' }])]),
          endpoint('http://app.example:8080', [route('app-8080', [{ upstream: 'u' }])]),
          endpoint('http://*.example:8080', [route('wild-8080', [{ upstream: 'u' }])]),
          endpoint('https://app.example', [route('app-443', [{ upstream: 'u' }])]),
        ],
        [],
      ),
    );
    const at = (host: string, port?: number) => ported.route(host, facts('/'), port)?.route.route.name;
    assert.equal(at('app.example', 80), 'app-80');
    assert.equal(at('app.example:8080', 8080), 'app-8080');
    assert.equal(at('app.example', 8080), 'app-8080', "the Host header's port does not route");
    assert.equal(at('app.example', 443), 'app-443');
    // An exact host served on another port leaves this port's wildcard in play.
    assert.equal(at('other.example', 8080), 'wild-8080');
    assert.equal(at('other.example', 80), undefined);
    assert.equal(at('app.example', 9999), undefined);
    assert.equal(ported.hasHost('app.example', 9999), false);
    assert.equal(ported.hasHost('app.example', 8080), true);
    // Without a port, every port (the first endpoint of the host in model order).
    assert.equal(at('app.example'), 'app-80');
  });

  it('PathPrefix is element-wise', () => {
    assert.equal(pathPrefixMatches('/foo', '/foo'), true);
    assert.equal(pathPrefixMatches('/foo', '/foo/bar'), true);
    assert.equal(pathPrefixMatches('/foo/', '/foo'), true);
    assert.equal(pathPrefixMatches('/foo', '/foobar'), false);
    assert.equal(pathPrefixMatches('/', '/anything'), true);
    assert.equal(name('app.example.com', facts('/foo/x')), 'prefix');
    assert.equal(name('app.example.com', facts('/foobar')), undefined);
  });
  it('Exact, RegularExpression (full match), headers, query params and method, in model order', () => {
    assert.equal(name('app.example.com', facts('/exact')), 'exact');
    assert.equal(name('app.example.com', facts('/exact/')), undefined);
    assert.equal(name('app.example.com', facts('/items/42')), 'regex');
    assert.equal(name('app.example.com', facts('/items/42/x')), undefined);
    assert.equal(name('app.example.com', facts('/h', { headers: { 'x-env': 'canary' } })), 'header');
    assert.equal(name('app.example.com', facts('/h', { headers: { 'x-env': 'prod-eu' } })), 'header-re');
    assert.equal(name('app.example.com', facts('/h', { headers: { 'x-env': 'xprod-eu' } })), undefined);
    assert.equal(name('app.example.com', facts('/q', { query: 'v=2' })), 'query');
    assert.equal(name('app.example.com', facts('/q', { query: 'v=3' })), undefined);
    assert.equal(name('app.example.com', facts('/m', { method: 'delete' })), 'method');
  });
  it('Host is case-insensitive, its port ignored; wildcards match one or more labels, the most specific first', () => {
    assert.equal(hostOf('App.Example.com:8443'), 'app.example.com');
    assert.equal(hostOf('[::1]:80'), '::1');
    assert.equal(name('APP.example.com:8443', facts('/exact')), 'exact');
    assert.equal(name('a.wild.example.com', facts('/')), 'wild');
    assert.equal(name('other.example.com', facts('/')), 'wider');
    assert.equal(name('example.com', facts('/')), undefined);
    assert.equal(table.l4('tcp://1.tcp.example.com:12345')?.route.name, 'l4');
    assert.deepEqual(table.l4Urls, ['tcp://1.tcp.example.com:12345']);
  });
  describe('host selection: exact, then the longest wildcard, then the catch-all', () => {
    const hosts = compileRouteTable(
      model(
        [
          endpoint('http://*', [route('catch-all', [{ upstream: 'u' }], { matches: [{ path: { type: 'PathPrefix', value: '/' } }] })]),
          endpoint('http://*.example.com', [route('wild', [{ upstream: 'u' }])]),
          endpoint('http://*.foo.example.com', [
            route('wild-foo', [{ upstream: 'u' }], { matches: [{ path: { type: 'Exact', value: '/x' } }] }),
          ]),
          endpoint('http://abc.foo.example.com', [
            route('exact', [{ upstream: 'u' }], { matches: [{ path: { type: 'Exact', value: '/x' } }] }),
          ]),
          endpoint('http://*:8080', [route('catch-all-8080', [{ upstream: 'u' }])]),
          endpoint('https://secure.example.com', [route('secure', [{ upstream: 'u' }])]),
          endpoint('http://ingress.example.com:80', [route('explicit-80', [{ upstream: 'u' }])]),
        ],
        [],
      ),
    );
    const pick = (host: string, path = '/x', port?: number) => hosts.route(host, facts(path), port)?.route.route.name;

    it('an exact host wins over every wildcard and the catch-all', () => {
      assert.equal(pick('abc.foo.example.com'), 'exact');
      assert.equal(pick('ABC.foo.example.com.:1234'), 'exact');
    });
    it('the longest matching wildcard suffix wins over shorter ones and the catch-all', () => {
      assert.equal(pick('def.foo.example.com'), 'wild-foo');
      assert.equal(pick('a.b.foo.example.com'), 'wild-foo');
      assert.equal(pick('bar.example.com'), 'wild');
    });
    it('the catch-all serves every host nothing more specific claims, and requests without Host', () => {
      assert.equal(pick('example.com'), 'catch-all');
      assert.equal(pick('unrelated.test'), 'catch-all');
      assert.equal(pick(''), 'catch-all');
      assert.equal(pick('[::1]:80'), 'catch-all');
      assert.equal(hosts.hasHost('anything.test'), true);
    });
    it('a more specific host that matches no route does not fall back to a less specific one (listener isolation)', () => {
      assert.equal(pick('abc.foo.example.com', '/y'), undefined);
      assert.equal(pick('def.foo.example.com', '/y'), undefined);
    });
    it("without a listener port, port is ignored; with one, only that port's endpoints take part", () => {
      assert.equal(pick('other.test', '/x', 8080), 'catch-all-8080');
      assert.equal(pick('abc.foo.example.com', '/x', 8080), 'catch-all-8080');
      assert.equal(pick('abc.foo.example.com', '/x', 80), 'exact');
      assert.equal(pick('other.test', '/x', 80), 'catch-all');
      assert.equal(pick('secure.example.com', '/', 443), 'secure');
      assert.equal(pick('secure.example.com', '/', 80), 'wild');
      assert.equal(pick('ingress.example.com', '/', 80), 'explicit-80');
      assert.equal(pick('other.test', '/', 9999), undefined);
      assert.equal(hosts.hasHost('other.test', 9999), false);
      assert.equal(hosts.hasHost('secure.example.com', 443), true);
    });
    it('no catch-all: an unclaimed host has no route', () => {
      assert.equal(name('nothing.test', facts('/')), undefined);
      assert.equal(table.hasHost('nothing.test'), false);
    });
    it('precedence holds for any set of endpoints (property)', () => {
      const label = fc.constantFrom('a', 'b', 'c');
      const hostArb = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
      const patternArb = fc.oneof(
        fc.constant('*'),
        hostArb,
        hostArb.map((h) => `*.${h}`),
      );
      fc.assert(
        fc.property(fc.uniqueArray(patternArb, { maxLength: 6 }), hostArb, (patterns, host) => {
          const t = compileRouteTable(
            model(
              patterns.map((p) => endpoint(`http://${p}`, [route(p, [{ upstream: 'u' }])])),
              [],
            ),
          );
          const matching = patterns.filter((p) => p === '*' || p === host || (p.startsWith('*.') && host.endsWith(p.slice(1))));
          const rank = (p: string) => (p === host ? Infinity : p === '*' ? -1 : p.length);
          const expected = matching.sort((a, b) => rank(b) - rank(a))[0];
          assert.equal(t.route(host, facts('/'))?.route.route.name, expected);
        }),
      );
    });
  });
  it('weights: proportional choice, zero weight never chosen, none left → undefined', () => {
    const r = compileRouteTable(
      model(
        [
          endpoint('https://w.example', [
            route('w', [
              { upstream: 'a', weight: 1 },
              { upstream: 'b', weight: 3 },
              { upstream: 'z', weight: 0 },
            ]),
          ]),
        ],
        [],
      ),
    ).route('w.example', facts('/'));
    assert.ok(r);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const b = pickBackend(r.route, () => i / 400);
      counts[b?.upstream ?? ''] = (counts[b?.upstream ?? ''] ?? 0) + 1;
    }
    assert.deepEqual(counts, { a: 100, b: 300 });
    const none = compileRouteTable(model([endpoint('https://n.example', [route('n', [{ upstream: 'a', weight: 0 }])])], [])).route(
      'n.example',
      facts('/'),
    );
    assert.ok(none);
    assert.equal(pickBackend(none.route, Math.random), undefined);
  });
});

describe('filters', () => {
  it('ReplacePrefixMatch and ReplaceFullPath', () => {
    const match = { path: { type: 'PathPrefix' as const, value: '/foo' } };
    assert.equal(rewritePath('/foo/bar', { type: 'ReplacePrefixMatch', replacePrefixMatch: '/xyz' }, match), '/xyz/bar');
    assert.equal(rewritePath('/foo', { type: 'ReplacePrefixMatch', replacePrefixMatch: '/xyz' }, match), '/xyz');
    assert.equal(rewritePath('/foo/bar', { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' }, match), '/bar');
    assert.equal(rewritePath('/foo', { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' }, match), '/');
    assert.equal(rewritePath('/foo/bar', { type: 'ReplaceFullPath', replaceFullPath: '/all' }, match), '/all');
  });
  it('header modifiers, rewrite and redirect', () => {
    const plan = applyFilters(
      [
        {
          type: 'RequestHeaderModifier',
          requestHeaderModifier: { set: [{ name: 'X-Set', value: '1' }], add: [{ name: 'x-add', value: 'b' }], remove: ['x-drop'] },
        },
        { type: 'URLRewrite', urlRewrite: { hostname: 'internal.svc', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' } } },
        { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'x-resp', value: 'y' }] } },
      ],
      { host: 'app.example.com', path: '/api/items', search: '?q=1', headers: { 'x-add': 'a', 'x-drop': 'gone' }, responseModifiers: [] },
      { scheme: 'https', port: 443 },
      { path: { type: 'PathPrefix', value: '/api' } },
    );
    assert.deepEqual(plan.headers, { 'x-set': '1', 'x-add': 'a,b' });
    assert.equal(plan.host, 'internal.svc');
    assert.equal(plan.path, '/v2/items');
    assert.equal(plan.responseModifiers.length, 1);
    const redirect = applyFilters(
      [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', port: 8443, statusCode: 301 } }],
      { host: 'app.example.com:80', path: '/x', search: '?a=b', headers: {}, responseModifiers: [] },
      { scheme: 'http', port: 80 },
      undefined,
    );
    assert.deepEqual(redirect.redirect, { status: 301, location: 'https://app.example.com:8443/x?a=b' });
  });
});
