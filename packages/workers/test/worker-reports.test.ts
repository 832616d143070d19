// The primary's view of its workers (serve --workers N): a model and its key material survive
// the trip over IPC (as JSON), traffic batches replay as proxy events and request-log entries,
// pool reports are summed and a retired worker's handshakes stay counted.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RequestLog, type ProxyResponseEvent, type ProxyUpstreamErrorEvent } from '@kupstream/admin';
import { CredentialStore, type TranslationModel } from '@kupstream/core';
import { createTranslationResult } from '@kupstream/core/building-blocks';
import { packModel, unpackModel } from '../src/model-transfer.js';
import { WorkerReports } from '../src/worker-reports.js';

const MODEL: TranslationModel = {
  endpoints: [
    {
      name: 'e',
      url: 'https://a.example.com',
      sources: [],
      routes: [{ name: 'r', matches: [], backends: [{ upstream: 'u', weight: 1 }] }],
    },
  ],
  upstreams: [{ name: 'u', url: 'https://svc.ns:443', protocol: 'http1' }],
  statuses: [{ apiVersion: 'v1', kind: 'Gateway', namespace: 'ns', name: 'g', status: { conditions: [] } }],
  diagnostics: [{ severity: 'info', code: 'X', message: 'm', resource: { kind: 'Gateway', namespace: 'ns', name: 'g' } }],
};

describe('serve workers: model transfer', () => {
  it('carries endpoints, upstreams, EndpointSlice endpoints and every credential of the store through JSON; statuses and diagnostics stay behind', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), fc.stringMatching(/^[a-z][a-z0-9.-]{0,8}$/), fc.string(), fc.string()),
          {
            selector: ([ns, name]) => `${ns}/${name}`,
            maxLength: 4,
          },
        ),
        fc.uniqueArray(fc.tuple(fc.stringMatching(/^[0-9a-f]{8}$/), fc.string()), { selector: ([d]) => d, maxLength: 3 }),
        (clients, cas) => {
          const store = new CredentialStore();
          for (const [namespace, name, certChainPem, keyPem] of clients) store.set({ namespace, name }, { certChainPem, keyPem });
          for (const [digest, pem] of cas) store.setCaBundle(digest, pem);
          const serviceEndpoints = {
            [MODEL.upstreams[0]?.name ?? 'u']: [
              { address: '10.0.0.7', port: 8443, ready: true, serving: true, terminating: false, zone: 'a' },
            ],
          };
          const sent = JSON.parse(JSON.stringify(packModel(createTranslationResult(MODEL, store), serviceEndpoints))) as ReturnType<
            typeof packModel
          >;
          const unpacked = unpackModel(sent);
          assert.deepEqual(unpacked.serviceEndpoints, serviceEndpoints);
          const received = unpacked.result;
          assert.deepEqual(received.endpoints, MODEL.endpoints);
          assert.deepEqual(received.upstreams, MODEL.upstreams);
          assert.deepEqual(received.statuses, []);
          assert.deepEqual(received.diagnostics, []);
          assert.deepEqual(received.credentials.summary().caBundles, store.summary().caBundles);
          assert.deepEqual(
            received.credentials.summary().clients.map((c) => c.key),
            store.summary().clients.map((c) => c.key),
          );
          for (const [namespace, name, certChainPem, keyPem] of clients) {
            const got = received.credentials.get({ namespace, name });
            assert.equal(got?.certChainPem, certChainPem);
            assert.equal(got?.keyPem, keyPem);
          }
          for (const [digest, pem] of cas) assert.equal(received.credentials.getCaBundle(digest), pem);
          // The material is in the transfer, never in the model JSON itself.
          assert.equal(JSON.stringify(received).includes('keyPem'), false);
        },
      ),
    );
  });
});

describe('serve workers: WorkerReports', () => {
  it('replays counted responses and failures as one event each, and adds entries tagged with the worker', () => {
    const reports = new WorkerReports();
    const responses: ProxyResponseEvent[] = [];
    const failures: ProxyUpstreamErrorEvent[] = [];
    reports.on('response', (e) => responses.push(e));
    reports.on('upstreamError', (e) => failures.push(e));
    const log = new RequestLog({ capacity: 10 });
    reports.replay(
      2,
      {
        type: 'traffic',
        responses: [
          { endpoint: 'e', upstream: 'u', method: 'GET', path: '/a', status: 200, count: 3 },
          { endpoint: 'e', upstream: 'u', method: 'GET', path: '/b', status: 502, code: 'connection_refused', count: 1 },
        ],
        failures: [{ endpoint: 'e', upstream: 'u', method: 'GET', path: '/b', code: 'connection_refused', count: 2 }],
        requests: [
          {
            time: '2026-01-01T00:00:00.000Z',
            method: 'GET',
            host: 'a.example.com',
            path: '/a',
            status: 200,
            durationMs: 1,
            requestHeaders: { authorization: '[redacted]' },
            responseHeaders: {},
          },
        ],
      },
      log,
    );
    assert.equal(responses.filter((e) => e.status === 200).length, 3);
    assert.equal(responses.filter((e) => e.status === 502 && e.code === 'connection_refused').length, 1);
    assert.deepEqual(failures, [
      { endpoint: 'e', upstream: 'u', method: 'GET', path: '/b', error: { code: 'connection_refused' } },
      { endpoint: 'e', upstream: 'u', method: 'GET', path: '/b', error: { code: 'connection_refused' } },
    ]);
    const [record] = log.list();
    assert.equal(record?.worker, 2);
    assert.equal(record?.time, '2026-01-01T00:00:00.000Z');
  });

  it('sums pools over the live workers and keeps the handshakes of a retired one', () => {
    const reports = new WorkerReports();
    const one = [{ upstream: 'u', active: 1, idle: 2, handshakes: { full: 1, resumed: 4 } }];
    const two = [{ upstream: 'u', active: 0, idle: 1, handshakes: { full: 2, resumed: 0 } }];
    assert.deepEqual(reports.pools([{ pools: one }, { pools: two }]), [
      { upstream: 'u', active: 1, idle: 3, handshakes: { full: 3, resumed: 4 } },
    ]);
    reports.retire(one);
    // Worker one's replacement starts from zero; the totals do not go back.
    const replacement = [{ upstream: 'u', active: 0, idle: 0, handshakes: { full: 1, resumed: 0 } }];
    assert.deepEqual(reports.pools([{ pools: replacement }, { pools: two }]), [
      { upstream: 'u', active: 0, idle: 1, handshakes: { full: 4, resumed: 4 } },
    ]);
  });
});
