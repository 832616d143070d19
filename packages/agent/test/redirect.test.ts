// RequestRedirect's Location, case by case from the Gateway API field comments of
// HTTPRequestRedirectFilter (scheme, hostname, port) on listeners at 80, 8080 and 443.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Filter } from '@kupstream/core';
import { applyFilters, redirectLocation, type ListenerFacts } from '../src/filters.js';
import { compileRouteTable } from '../src/router.js';
import { endpoint, model, route } from './support/proxy-harness.js';

type Redirect = Extract<Filter, { type: 'RequestRedirect' }>['requestRedirect'];

const http80: ListenerFacts = { scheme: 'http', port: 80 };
const http8080: ListenerFacts = { scheme: 'http', port: 8080 };
const https443: ListenerFacts = { scheme: 'https', port: 443 };

function location(redirect: Redirect, listener: ListenerFacts, host = 'gateway.test:31000'): string {
  return redirectLocation({ hostname: 'example.org', ...redirect }, listener, host, '/p', '');
}

describe('RequestRedirect Location', () => {
  it('no scheme and no port: the listener scheme and the listener port (80 and 443 omitted)', () => {
    assert.equal(location({}, http80), 'http://example.org/p');
    assert.equal(location({}, http8080), 'http://example.org:8080/p');
    assert.equal(location({}, https443), 'https://example.org/p');
  });
  it('a port without a scheme: that port, omitted when it is the listener scheme’s well-known port', () => {
    assert.equal(location({ port: 80 }, http80), 'http://example.org/p');
    assert.equal(location({ port: 8080 }, http80), 'http://example.org:8080/p');
    assert.equal(location({ port: 80 }, http8080), 'http://example.org/p');
    assert.equal(location({ port: 443 }, https443), 'https://example.org/p');
    assert.equal(location({ port: 8443 }, https443), 'https://example.org:8443/p');
  });
  it('a scheme without a port: the scheme’s well-known port (omitted), whatever the listener port', () => {
    assert.equal(location({ scheme: 'https' }, http80), 'https://example.org/p');
    assert.equal(location({ scheme: 'https' }, http8080), 'https://example.org/p');
    assert.equal(location({ scheme: 'http' }, https443), 'http://example.org/p');
  });
  it('a scheme and a port: both, the port omitted only when well-known for that scheme', () => {
    assert.equal(location({ scheme: 'https', port: 443 }, http80), 'https://example.org/p');
    assert.equal(location({ scheme: 'https', port: 8443 }, http80), 'https://example.org:8443/p');
    assert.equal(location({ scheme: 'http', port: 80 }, https443), 'http://example.org/p');
    assert.equal(location({ scheme: 'http', port: 8080 }, https443), 'http://example.org:8080/p');
    assert.equal(location({ scheme: 'https', port: 80 }, http80), 'https://example.org:80/p');
  });
  it('no hostname: the request’s Host without its port (IPv6 brackets kept)', () => {
    assert.equal(redirectLocation({}, http8080, 'app.test:31000', '/a', '?q=1'), 'http://app.test:8080/a?q=1');
    assert.equal(redirectLocation({ scheme: 'https' }, http80, '[::1]:31000', '/', ''), 'https://[::1]/');
    assert.equal(redirectLocation({}, http80, 'app.test', '/', ''), 'http://app.test/');
  });
  it('the route table hands applyFilters the endpoint URL’s scheme and port as the listener', () => {
    const table = compileRouteTable(
      model(
        [
          endpoint('http://*:8080', [
            route('r8080', [], { filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'example.org' } }] }),
          ]),
          endpoint('https://secure.test', [
            route('r443', [], { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'http' } }] }),
          ]),
        ],
        [],
      ),
    );
    const plan = (host: string) => {
      const hit = table.route(host, { method: 'GET', path: '/x', query: new URLSearchParams(), headers: {} })!;
      return applyFilters(
        hit.route.route.filters,
        { host, path: '/x', search: '', headers: {}, responseModifiers: [] },
        hit.route.listener,
        hit.match,
      ).redirect;
    };
    assert.deepEqual(plan('127.0.0.1:31000'), { status: 302, location: 'http://example.org:8080/x' });
    assert.deepEqual(plan('secure.test'), { status: 302, location: 'http://secure.test/x' });
  });
  it('the Location is a URL whose port shows exactly when it is not the scheme’s well-known one (property)', () => {
    const listener = fc.record({ scheme: fc.constantFrom('http', 'https'), port: fc.integer({ min: 1, max: 65535 }) });
    const redirect = fc.record(
      { scheme: fc.constantFrom('http', 'https'), port: fc.integer({ min: 1, max: 65535 }) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(listener, redirect, (l, r) => {
        const url = new URL(location(r, l));
        const scheme = r.scheme ?? l.scheme;
        const port = r.port ?? (r.scheme !== undefined ? (scheme === 'https' ? 443 : 80) : l.port);
        assert.equal(url.protocol, `${scheme}:`);
        assert.equal(url.port, port === (scheme === 'https' ? 443 : 80) ? '' : String(port));
        assert.equal(url.hostname, 'example.org');
      }),
    );
  });
});
