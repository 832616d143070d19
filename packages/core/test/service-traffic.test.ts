// trafficForService: the Service's kupstream.dev annotations into UpstreamTraffic, each
// invalid value a problem naming its annotation (that setting alone keeps its default).
import assert from 'node:assert/strict';
import { parseStatusRanges, trafficForService } from '../src/building-blocks.js';

const annotated = (annotations: Record<string, string>) => ({ metadata: { name: 'web', namespace: 'shop', annotations } });

describe('trafficForService', () => {
  it('sets nothing without annotations', () => {
    assert.deepEqual(trafficForService(annotated({})), { problems: [] });
    assert.deepEqual(trafficForService(null), { problems: [] });
  });

  it('reads every setting', () => {
    const decision = trafficForService(
      annotated({
        'kupstream.dev/load-balancer': 'Round-Robin',
        'kupstream.dev/max-connections': '100',
        'kupstream.dev/max-pending-requests': '0',
        'kupstream.dev/outlier-consecutive-failures': '3',
        'kupstream.dev/outlier-base-ejection-time': '10s',
        'kupstream.dev/outlier-max-ejection-time': '2m',
        'kupstream.dev/outlier-max-ejection-percent': '50',
        'kupstream.dev/health-check': 'http',
        'kupstream.dev/health-check-path': '/healthz',
        'kupstream.dev/health-check-statuses': '200-299,304',
        'kupstream.dev/health-check-interval': '5s',
        'kupstream.dev/health-check-timeout': '500ms',
        'kupstream.dev/health-check-unhealthy-threshold': '2',
        'kupstream.dev/health-check-healthy-threshold': '1',
      }),
    );
    assert.deepEqual(decision, {
      traffic: {
        loadBalancer: 'round-robin',
        maxConnections: 100,
        maxPendingRequests: 0,
        outlierDetection: { consecutiveFailures: 3, baseEjectionMs: 10_000, maxEjectionMs: 120_000, maxEjectionPercent: 50 },
        healthCheck: {
          type: 'http',
          path: '/healthz',
          statuses: [
            [200, 299],
            [304, 304],
          ],
          intervalMs: 5000,
          timeoutMs: 500,
          unhealthyThreshold: 2,
          healthyThreshold: 1,
        },
      },
      problems: [],
    });
  });

  const invalid: [string, string][] = [
    ['kupstream.dev/load-balancer', 'random'],
    ['kupstream.dev/max-connections', '0'],
    ['kupstream.dev/max-connections', '1e3'],
    ['kupstream.dev/max-pending-requests', '-1'],
    ['kupstream.dev/outlier-base-ejection-time', '10'],
    ['kupstream.dev/outlier-max-ejection-percent', '101'],
    ['kupstream.dev/health-check', 'grpc'],
  ];
  for (const [key, value] of invalid) {
    it(`${key}: ${JSON.stringify(value)} is a problem naming the annotation, and the default stays`, () => {
      const decision = trafficForService(annotated({ [key]: value }));
      assert.equal(decision.traffic, undefined);
      assert.equal(decision.problems.length, 1);
      assert.equal(decision.problems[0]!.code, 'TrafficAnnotationInvalid');
      assert.equal(decision.problems[0]!.field, `metadata.annotations[${key}]`);
    });
  }

  it('a bad health-check detail drops only that detail', () => {
    const decision = trafficForService(annotated({ 'kupstream.dev/health-check': 'tls', 'kupstream.dev/health-check-path': 'no slash' }));
    assert.deepEqual(decision.traffic, { healthCheck: { type: 'tls' } });
    assert.equal(decision.problems.length, 1);
  });

  it('parses status ranges', () => {
    assert.deepEqual(parseStatusRanges('200'), [[200, 200]]);
    assert.deepEqual(parseStatusRanges('200-204, 301'), [
      [200, 204],
      [301, 301],
    ]);
    for (const bad of ['', '99', '600', '300-200', '200,,201', 'ok']) assert.equal(parseStatusRanges(bad), undefined, bad);
  });
});
