import assert from 'node:assert/strict';
import { createMetrics } from '../src/metrics.js';
import { SEED_UPSTREAM, seedModel } from './model-fixture.js';

/** The sample lines of one metric, without HELP/TYPE. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('admin/metrics', () => {
  it('counts requests by endpoint, upstream and code, and failures by code', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.recordRequest({ endpoint: 'e', upstream: 'u', status: 200 });
    m.recordRequest({ endpoint: 'e', upstream: 'u', status: 200 });
    m.recordRequest({ status: 404 });
    m.recordUpstreamFailure({ upstream: 'u', code: 'client_certificate_rejected' });
    const text = await m.text();
    assert.deepEqual(samples(text, 'kupstream_requests_total'), [
      'kupstream_requests_total{endpoint="e",upstream="u",code="200"} 2',
      'kupstream_requests_total{endpoint="",upstream="",code="404"} 1',
    ]);
    assert.deepEqual(samples(text, 'kupstream_upstream_failures_total'), [
      'kupstream_upstream_failures_total{upstream="u",code="client_certificate_rejected"} 1',
    ]);
    assert.match(text, /# TYPE kupstream_requests_total counter/);
  });

  it('reports diagnostics by severity and code and client certificate notAfter in epoch seconds, replaced on each model', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.setModel(seedModel());
    let text = await m.text();
    assert.deepEqual(samples(text, 'kupstream_diagnostics'), [
      'kupstream_diagnostics{severity="warning",code="UpstreamNotVerified"} 1',
      'kupstream_diagnostics{severity="info",code="GatewayClassAssumed"} 1',
    ]);
    const expected = Date.parse('2027-06-01T00:00:00.000Z') / 1000;
    assert.deepEqual(samples(text, 'kupstream_client_certificate_not_after_seconds'), [
      `kupstream_client_certificate_not_after_seconds{upstream="${SEED_UPSTREAM}",secret="default/client-cert-secret",subject="CN=ExampleClient"} ${expected}`,
    ]);
    assert.deepEqual(samples(text, 'kupstream_endpoints'), ['kupstream_endpoints 1']);
    m.setModel({ endpoints: [], upstreams: [], statuses: [], diagnostics: [] });
    text = await m.text();
    assert.deepEqual(samples(text, 'kupstream_diagnostics'), []);
    assert.deepEqual(samples(text, 'kupstream_client_certificate_not_after_seconds'), []);
  });

  it('leads by default, follows when told; observes translation time in seconds', async () => {
    const m = createMetrics({ defaultMetrics: false });
    assert.deepEqual(samples(await m.text(), 'kupstream_leader'), ['kupstream_leader 1']);
    m.setLeader(false);
    m.observeTranslation(20);
    const text = await m.text();
    assert.deepEqual(samples(text, 'kupstream_leader'), ['kupstream_leader 0']);
    assert.deepEqual(samples(text, 'kupstream_translation_duration_seconds_sum'), ['kupstream_translation_duration_seconds_sum 0.02']);
    assert.ok(
      samples(text, 'kupstream_translation_duration_seconds_bucket').includes(
        'kupstream_translation_duration_seconds_bucket{le="0.025"} 1',
      ),
    );
  });

  it('turns running handshake totals into counters and pool sizes into gauges', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.setPools([{ upstream: 'u', active: 2, idle: 1, handshakes: { full: 3, resumed: 1 } }]);
    m.setPools([{ upstream: 'u', active: 0, idle: 3, handshakes: { full: 4, resumed: 5 } }]);
    let text = await m.text();
    assert.deepEqual(samples(text, 'kupstream_upstream_tls_handshakes_total'), [
      'kupstream_upstream_tls_handshakes_total{upstream="u",kind="full"} 4',
      'kupstream_upstream_tls_handshakes_total{upstream="u",kind="resumed"} 5',
    ]);
    assert.deepEqual(samples(text, 'kupstream_upstream_pool_connections'), [
      'kupstream_upstream_pool_connections{upstream="u",state="active"} 0',
      'kupstream_upstream_pool_connections{upstream="u",state="idle"} 3',
    ]);
    // A smaller total: the agent rebuilt its pool and counts from zero; the counter never goes back.
    m.setPools([{ upstream: 'u', active: 0, idle: 0, handshakes: { full: 1, resumed: 5 } }]);
    text = await m.text();
    assert.ok(
      samples(text, 'kupstream_upstream_tls_handshakes_total').includes(
        'kupstream_upstream_tls_handshakes_total{upstream="u",kind="full"} 5',
      ),
    );
  });

  it('reports endpoints by state and turns ejection, readmission, overflow and health-check totals into counters', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const endpoint = { port: 8443, ready: true, serving: true, terminating: false, ejected: false };
    m.setTraffic([
      {
        upstream: 'u',
        endpoints: [
          { ...endpoint, address: '10.0.0.1' },
          { ...endpoint, address: '10.0.0.2', ejected: true, healthy: false },
          { ...endpoint, address: '10.0.0.3', ready: false, terminating: true },
        ],
        overflows: 2,
        ejections: 1,
        readmissions: 0,
        healthChecks: { passed: 7, failed: { unexpected_status: 3, client_certificate_rejected: 1 } },
      },
      // No slice known: no endpoint gauge, counters still count.
      { upstream: 'plain', overflows: 0, ejections: 0 },
    ]);
    m.setTraffic([
      {
        upstream: 'u',
        endpoints: [
          { ...endpoint, address: '10.0.0.1', healthy: false, heldIn: true },
          { ...endpoint, address: '10.0.0.2', ejected: false, healthy: true },
        ],
        overflows: 5,
        ejections: 1,
        readmissions: 1,
        healthChecks: { passed: 9, failed: { unexpected_status: 4, client_certificate_rejected: 1 } },
      },
    ]);
    const text = await m.text();
    assert.deepEqual(samples(text, 'kupstream_upstream_endpoints'), [
      'kupstream_upstream_endpoints{upstream="u",state="healthy"} 1',
      'kupstream_upstream_endpoints{upstream="u",state="ejected"} 0',
      'kupstream_upstream_endpoints{upstream="u",state="unhealthy"} 1',
      'kupstream_upstream_endpoints{upstream="u",state="terminating"} 0',
      'kupstream_upstream_endpoints{upstream="u",state="not-ready"} 0',
    ]);
    assert.deepEqual(samples(text, 'kupstream_endpoint_ejections_total'), ['kupstream_endpoint_ejections_total{upstream="u"} 1']);
    assert.deepEqual(samples(text, 'kupstream_endpoint_readmissions_total'), ['kupstream_endpoint_readmissions_total{upstream="u"} 1']);
    assert.deepEqual(samples(text, 'kupstream_upstream_overflow_total'), ['kupstream_upstream_overflow_total{upstream="u"} 5']);
    assert.deepEqual(samples(text, 'kupstream_health_check_failures_total'), [
      'kupstream_health_check_failures_total{upstream="u",code="unexpected_status"} 4',
      'kupstream_health_check_failures_total{upstream="u",code="client_certificate_rejected"} 1',
    ]);
    assert.deepEqual(samples(text, 'kupstream_health_checks_passed_total'), ['kupstream_health_checks_passed_total{upstream="u"} 9']);
  });

  it('includes Node process metrics by default, on its own registry', async () => {
    const a = createMetrics();
    const b = createMetrics();
    assert.match(await a.text(), /^process_cpu_user_seconds_total /m);
    assert.notEqual(a.registry, b.registry);
  });
});
