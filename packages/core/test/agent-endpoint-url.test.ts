import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseEndpointUrl, parseUpstreamUrl, sniHost } from '../src/building-blocks.js';

describe('AgentEndpoint URL normalization', () => {
  describe('spec.upstream.url (as ngrok ParseAndSanitizeEndpointURL)', () => {
    const accepted: [string, string][] = [
      ['8080', 'http://localhost:8080'],
      ['service.default:8080', 'http://service.default:8080'],
      ['http://', 'http://localhost:80'],
      ['https://', 'https://localhost:443'],
      ['example.com', 'http://example.com:80'],
      ['https://example.com', 'https://example.com:443'],
      ['http://example.com:8080', 'http://example.com:8080'],
      ['tls://h:443', 'tls://h:443'],
      ['tls://h', 'tls://h:443'],
      ['tcp://127.0.0.1:80', 'tcp://127.0.0.1:80'],
      ['HTTPS://My-Service.My-Namespace:8443/', 'https://my-service.my-namespace:8443'],
      ['http://[::1]:8080', 'http://[::1]:8080'],
      ['  https://x.y  ', 'https://x.y:443'],
    ];
    for (const [input, url] of accepted) {
      it(`${JSON.stringify(input)} -> ${url}`, () => {
        const parsed = parseUpstreamUrl(input);
        assert.ok(parsed.ok, JSON.stringify(parsed));
        assert.equal(parsed.value.url, url);
      });
    }
    const rejected: [unknown, string][] = [
      ['tcp://', 'UrlMissingHost'],
      ['tcp://db.default', 'UrlMissingPort'],
      ['custom://x:1', 'UrlUnsupportedScheme'],
      ['ftp://x', 'UrlUnsupportedScheme'],
      ['http://x:0', 'UrlInvalidPort'],
      ['http://x:65536', 'UrlInvalidPort'],
      ['99999', 'UrlInvalidPort'],
      ['http://x/path', 'UrlHasPath'],
      ['http://x?q=1', 'UrlHasPath'],
      ['http://u:p@x:80', 'UrlHasUserInfo'],
      ['http://[::1', 'UrlInvalidHost'],
      ['http://[nothex]:80', 'UrlInvalidHost'],
      ['http://a b:80', 'UrlInvalidHost'],
      ['', 'UrlRequired'],
      [undefined, 'UrlRequired'],
      [8080, 'UrlNotString'],
    ];
    for (const [input, code] of rejected) {
      it(`${JSON.stringify(input) ?? 'undefined'} is rejected with ${code}`, () => {
        const parsed = parseUpstreamUrl(input);
        assert.equal(parsed.ok, false);
        assert.equal(!parsed.ok && parsed.problem.code, code);
      });
    }
  });

  describe('spec.url', () => {
    const accepted: [string, string, boolean][] = [
      ['example.org', 'https://example.org', false],
      ['https://example-hostname.ngrok.io', 'https://example-hostname.ngrok.io', false],
      ['https://x:443', 'https://x', false],
      ['https://x:8443', 'https://x:8443', false],
      ['http://x:80', 'http://x', false],
      ['tcp://1.tcp.ngrok.io:12345', 'tcp://1.tcp.ngrok.io:12345', false],
      ['tls://x', 'tls://x', false],
      ['tls://x:443', 'tls://x', false],
      ['https://', 'https://', false],
      ['tcp://', 'tcp://', false],
      ['', 'https://', false],
      ['https://api.internal', 'https://api.internal', true],
      ['tcp://db.internal:5432', 'tcp://db.internal:5432', true],
      ['https://*.example.com', 'https://*.example.com', false],
      ['HTTPS://Example.COM.', 'https://example.com', false],
    ];
    for (const [input, url, internal] of accepted) {
      it(`${JSON.stringify(input)} -> ${url}${internal ? ' (internal)' : ''}`, () => {
        const parsed = parseEndpointUrl(input);
        assert.ok(parsed.ok, JSON.stringify(parsed));
        assert.equal(parsed.value.url, url);
        assert.equal(parsed.value.internal, internal);
      });
    }
    const rejected: [unknown, string][] = [
      ['tcp://1.tcp.ngrok.io', 'UrlMissingPort'],
      ['tls://x:8443', 'UrlPortNotAllowed'],
      ['wss://x', 'UrlUnsupportedScheme'],
      ['https://x/path', 'UrlHasPath'],
      ['https://*.*.x', 'UrlInvalidHost'],
      ['https://:443', 'UrlInvalidHost'],
      [undefined, 'UrlRequired'],
      [{ host: 'x' }, 'UrlNotString'],
    ];
    for (const [input, code] of rejected) {
      it(`${JSON.stringify(input) ?? 'undefined'} is rejected with ${code}`, () => {
        const parsed = parseEndpointUrl(input);
        assert.equal(!parsed.ok && parsed.problem.code, code);
      });
    }
  });

  it('never sends an IP literal as SNI', () => {
    assert.equal(sniHost('my-service.my-namespace'), 'my-service.my-namespace');
    assert.equal(sniHost('10.0.0.1'), '');
    assert.equal(sniHost('[::1]'), '');
  });

  it('normalization is idempotent and total on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.domain(), fc.constantFrom('8080', 'https://', 'tcp://a:1', 'tls://b')), (text) => {
        const upstream = parseUpstreamUrl(text);
        if (upstream.ok) {
          const again = parseUpstreamUrl(upstream.value.url);
          assert.ok(again.ok);
          assert.equal(again.value.url, upstream.value.url);
        }
        const endpoint = parseEndpointUrl(text);
        if (endpoint.ok && endpoint.value.host !== '') {
          const again = parseEndpointUrl(endpoint.value.url);
          assert.ok(again.ok);
          assert.equal(again.value.url, endpoint.value.url);
        }
      }),
      { numRuns: 500 },
    );
  });
});
