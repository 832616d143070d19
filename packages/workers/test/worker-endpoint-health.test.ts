// Endpoint health across serve --workers N: counts summed over workers (and kept after a worker
// exits), an endpoint out when any worker has it out, its last check the latest of any worker.
import assert from 'node:assert/strict';
import type { EndpointFacts, TrafficFacts } from '@kupstream/admin';
import { WorkerEndpointHealth } from '../src/worker-endpoint-health.js';

const base: EndpointFacts = { address: '10.0.0.1', port: 8443, ready: true, serving: true, terminating: false, ejected: false };

function report(ejected: boolean, at: string, code: string | undefined, counts: Partial<TrafficFacts> = {}): TrafficFacts {
  return {
    upstream: 'u',
    endpoints: [
      {
        ...base,
        ejected,
        healthy: !ejected,
        inFlight: 1,
        lastCheck: { outcome: ejected ? 'unhealthy' : 'healthy', ...(code ? { code } : {}), at },
      },
      { ...base, address: '10.0.0.2' },
    ],
    overflows: 1,
    ejections: ejected ? 1 : 0,
    readmissions: 0,
    healthChecks: { passed: 2, failed: code ? { [code]: 3 } : {} },
    ...counts,
  };
}

describe('worker endpoint health', () => {
  it("merges the workers' reports and keeps an exited worker's counts", () => {
    const health = new WorkerEndpointHealth();
    const one = report(true, '2026-06-01T00:00:02.000Z', 'connection_refused');
    const two = report(false, '2026-06-01T00:00:01.000Z', undefined);
    const [merged] = health.merge([{ traffic: [one] }, { traffic: [two] }]);
    assert.equal(merged!.endpoints!.length, 2);
    const first = merged!.endpoints![0]!;
    assert.equal(first.ejected, true);
    assert.equal(first.healthy, false);
    assert.equal(first.inFlight, 2);
    assert.equal(first.lastCheck?.code, 'connection_refused');
    assert.deepEqual(
      { overflows: merged!.overflows, ejections: merged!.ejections, healthChecks: merged!.healthChecks },
      { overflows: 2, ejections: 1, healthChecks: { passed: 4, failed: { connection_refused: 3 } } },
    );
    health.retire([one]);
    const [after] = health.merge([{ traffic: [two] }]);
    assert.equal(after!.ejections, 1, "the exited worker's ejection stays counted");
    assert.equal(after!.endpoints![0]!.ejected, false, 'its view of the endpoint does not');
  });
});
