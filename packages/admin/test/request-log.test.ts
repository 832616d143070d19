import assert from 'node:assert/strict';
import { RequestLog, type RequestEntry } from '../src/request-log.js';
import { REDACTED_KEY, REDACTED_VALUE } from '../src/redaction.js';

function entry(overrides: Partial<RequestEntry> = {}): RequestEntry {
  return {
    time: new Date('2026-06-01T00:00:00Z'),
    method: 'GET',
    host: 'example-hostname.ngrok.io',
    path: '/',
    status: 200,
    durationMs: 1.5,
    requestHeaders: { host: 'example-hostname.ngrok.io' },
    responseHeaders: {},
    ...overrides,
  };
}

// A PEM-shaped fake (not a key), assembled so no key-looking block sits in the source.
const KEY_PEM = `-----BEGIN ${'PRIVATE'} KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END ${'PRIVATE'} KEY-----\n`;

describe('admin/RequestLog', () => {
  it('keeps the last `capacity` records, newest first, and forgets evicted ids', () => {
    const log = new RequestLog({ capacity: 3 });
    const ids = [1, 2, 3, 4, 5].map((n) => log.add(entry({ path: `/${n}` })).id);
    assert.equal(log.size, 3);
    assert.deepEqual(
      log.list().map((r) => r.path),
      ['/5', '/4', '/3'],
    );
    assert.equal(log.get(ids[0]!), undefined);
    assert.equal(log.get(ids[1]!), undefined);
    assert.equal(log.get(ids[4]!)?.path, '/5');
    assert.equal(new Set(ids).size, 5, 'ids are unique');
  });

  it('defaults to 200 records and rejects a capacity that is not a positive integer', () => {
    const log = new RequestLog();
    for (let i = 0; i < 250; i++) log.add(entry({ path: `/${i}` }));
    assert.equal(log.size, 200);
    assert.equal(log.list().at(-1)?.path, '/50');
    assert.throws(() => new RequestLog({ capacity: 0 }), RangeError);
    assert.throws(() => new RequestLog({ capacity: 1.5 }), RangeError);
  });

  it('filters by status class, exact status, error code and upstream, with a limit', () => {
    const log = new RequestLog();
    log.add(entry({ status: 200, upstream: 'a' }));
    log.add(entry({ status: 404, error: 'route_not_found' }));
    log.add(entry({ status: 502, upstream: 'b', error: 'client_certificate_rejected' }));
    log.add(entry({ status: 503, upstream: 'a' }));
    assert.deepEqual(
      log.list({ status: '5xx' }).map((r) => r.status),
      [503, 502],
    );
    assert.deepEqual(
      log.list({ status: '502' }).map((r) => r.error),
      ['client_certificate_rejected'],
    );
    assert.deepEqual(
      log.list({ status: 'error' }).map((r) => r.status),
      [502, 404],
    );
    assert.deepEqual(
      log.list({ upstream: 'a' }).map((r) => r.status),
      [503, 200],
    );
    assert.deepEqual(
      log.list({ upstream: 'a', status: '2xx' }).map((r) => r.status),
      [200],
    );
    assert.deepEqual(
      log.list({ limit: 2 }).map((r) => r.status),
      [503, 502],
    );
    assert.deepEqual(log.list({ status: 'bogus' }), [], 'an unknown filter matches nothing');
  });

  it('redacts authorization, cookie, proxy-authorization and set-cookie values by default, names kept', () => {
    const log = new RequestLog();
    const r = log.add(
      entry({
        requestHeaders: {
          authorization: 'Bearer s3cret',
          cookie: 'session=abc',
          'proxy-authorization': 'Basic eA==',
          accept: 'text/plain',
        },
        responseHeaders: { 'set-cookie': ['a=1', 'b=2'], 'Content-Type': 'text/plain' },
      }),
    );
    assert.deepEqual(r.requestHeaders, {
      authorization: REDACTED_VALUE,
      cookie: REDACTED_VALUE,
      'proxy-authorization': REDACTED_VALUE,
      accept: 'text/plain',
    });
    assert.deepEqual(r.responseHeaders, { 'set-cookie': [REDACTED_VALUE, REDACTED_VALUE], 'content-type': 'text/plain' });
    assert.ok(!JSON.stringify(log.list()).includes('s3cret'));
  });

  it('takes a custom redaction list', () => {
    const log = new RequestLog({ redactHeaders: ['X-Api-Key'] });
    const r = log.add(entry({ requestHeaders: { 'x-api-key': 'k', authorization: 'visible-by-choice' } }));
    assert.equal(r.requestHeaders['x-api-key'], REDACTED_VALUE);
    assert.equal(r.requestHeaders.authorization, 'visible-by-choice');
  });

  it('drops bodies unless enabled; when enabled caps them and cuts private keys out', () => {
    const body = { data: Buffer.from('hello world'), bytes: 11 };
    assert.equal(new RequestLog().add(entry({ requestBody: body })).requestBody, undefined);
    const log = new RequestLog({ captureBodies: true, maxBodyBytes: 5 });
    const r = log.add(entry({ requestBody: body, responseBody: { data: Buffer.from('ok'), bytes: 2 } }));
    assert.deepEqual(r.requestBody, { text: 'hello', bytes: 11, truncated: true });
    assert.deepEqual(r.responseBody, { text: 'ok', bytes: 2, truncated: false });
    const withKey = new RequestLog({ captureBodies: true, maxBodyBytes: 10_000 }).add(
      entry({ responseBody: { data: Buffer.from(`before ${KEY_PEM} after`), bytes: 100 } }),
    );
    assert.equal(withKey.responseBody?.text, `before ${REDACTED_KEY}\n after`);
  });

  it('cuts a private key out of a header value', () => {
    const r = new RequestLog().add(entry({ requestHeaders: { 'x-debug': KEY_PEM.replace(/\n/g, ' ') } }));
    assert.ok(!String(r.requestHeaders['x-debug']).includes('MIIEvQ'));
  });

  it('notifies subscribers of each new record until they unsubscribe, and survives a throwing one', () => {
    const log = new RequestLog();
    const seen: string[] = [];
    const off = log.subscribe((r) => seen.push(r.path));
    log.subscribe(() => {
      throw new Error('closed client');
    });
    log.add(entry({ path: '/a' }));
    off();
    log.add(entry({ path: '/b' }));
    assert.deepEqual(seen, ['/a']);
  });
});
