import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hostnameCovers, intersectHostnames, isValidHostname } from '../src/hostnames.js';
import { tlsNameMatches } from '../src/listener-certificates.js';

describe('hostnames', () => {
  it('validates DNS names with an optional leading wildcard label', () => {
    for (const ok of ['example.com', 'a-b.example.com', '*.example.com', 'localhost', 'x1.y2']) assert.ok(isValidHostname(ok), ok);
    for (const bad of ['', 'Example.com', 'a..b', '-a.com', 'a.*.com', '*', '*.', '10.0.0.1', 'a_b.com', 'foo.example.com.'])
      assert.ok(!isValidHostname(bad), bad);
  });

  it('wildcards cover at least one more label, never the bare suffix', () => {
    assert.ok(hostnameCovers('*.example.com', 'a.example.com'));
    assert.ok(hostnameCovers('*.example.com', 'a.b.example.com'));
    assert.ok(!hostnameCovers('*.example.com', 'example.com'));
    assert.ok(!hostnameCovers('*.example.com', 'aexample.com'));
    assert.ok(hostnameCovers('*.com', '*.example.com'));
    assert.ok(!hostnameCovers('*.example.com', '*.com'));
    assert.ok(!hostnameCovers('a.example.com', '*.example.com'));
  });

  it('intersects listener and route hostnames as the spec describes', () => {
    assert.deepEqual(intersectHostnames(undefined, []), ['*']);
    assert.deepEqual(intersectHostnames('a.example.com', []), ['a.example.com']);
    assert.deepEqual(intersectHostnames(undefined, ['x.com', 'x.com']), ['x.com']);
    assert.deepEqual(intersectHostnames('*.example.com', ['foo.example.com', '*.bar.example.com', 'example.com', 'other.net']), [
      'foo.example.com',
      '*.bar.example.com',
    ]);
    assert.deepEqual(intersectHostnames('foo.example.com', ['*.example.com']), ['foo.example.com']);
    assert.deepEqual(intersectHostnames('*.example.com', ['*.com']), ['*.example.com']);
    assert.deepEqual(intersectHostnames('foo.example.com', ['bar.example.com']), []);
  });

  it('every intersected hostname is within both the listener and the route hostname (property)', () => {
    const label = fc.constantFrom('a', 'b', 'example', 'com');
    const host = fc
      .tuple(fc.boolean(), fc.array(label, { minLength: 1, maxLength: 3 }))
      .map(([wild, labels]) => (wild ? '*.' : '') + labels.join('.'));
    fc.assert(
      fc.property(fc.option(host, { nil: undefined }), fc.array(host, { maxLength: 4 }), (listener, routes) => {
        for (const h of intersectHostnames(listener, routes)) {
          if (routes.length === 0) continue;
          if (listener !== undefined) assert.ok(hostnameCovers(listener, h), `${listener} should cover ${h}`);
          assert.ok(
            routes.some((r) => hostnameCovers(r, h)),
            `some route hostname should cover ${h}`,
          );
        }
      }),
    );
  });
});

describe('certificate name matching (RFC 6125)', () => {
  it('lets a wildcard cover exactly one label', () => {
    assert.ok(tlsNameMatches('a.example.com', 'a.example.com'));
    assert.ok(tlsNameMatches('*.example.com', 'a.example.com'));
    assert.ok(tlsNameMatches('*.example.com', '*.example.com'));
    assert.ok(!tlsNameMatches('*.example.com', 'a.b.example.com'));
    assert.ok(!tlsNameMatches('*.example.com', 'example.com'));
    assert.ok(!tlsNameMatches('*.com', '*.example.com'));
    assert.ok(!tlsNameMatches('a.example.com', '*.example.com'));
  });
});
