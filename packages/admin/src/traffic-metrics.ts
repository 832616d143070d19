// Endpoint health in Prometheus: endpoints per upstream by state (a gauge), and the agent's
// running counts — ejections, readmissions, circuit-breaker overflows, failed health checks
// by code — as counters advanced from the agent's totals (running-totals.ts).
import { Counter, Gauge, type Registry } from 'prom-client';
import { RunningTotals } from './running-totals.js';
import { endpointState, ENDPOINT_STATES, type TrafficFacts } from './traffic-facts.js';

export interface TrafficMetrics {
  setTraffic(traffic: readonly TrafficFacts[]): void;
}

export function createTrafficMetrics(registry: Registry): TrafficMetrics {
  const endpoints = new Gauge({
    name: 'kupstream_upstream_endpoints',
    help: 'EndpointSlice endpoints per upstream by state: healthy, ejected, unhealthy (failing health checks, kept in as the last one), terminating, not-ready.',
    labelNames: ['upstream', 'state'] as const,
    registers: [registry],
  });
  const ejections = new Counter({
    name: 'kupstream_endpoint_ejections_total',
    help: 'Endpoints taken out of rotation (outlier detection or failing active health checks).',
    labelNames: ['upstream'] as const,
    registers: [registry],
  });
  const readmissions = new Counter({
    name: 'kupstream_endpoint_readmissions_total',
    help: 'Ejected endpoints taken back into rotation.',
    labelNames: ['upstream'] as const,
    registers: [registry],
  });
  const overflows = new Counter({
    name: 'kupstream_upstream_overflow_total',
    help: 'Requests answered 503 upstream_overflow by the upstream circuit breaker.',
    labelNames: ['upstream'] as const,
    registers: [registry],
  });
  const checkFailures = new Counter({
    name: 'kupstream_health_check_failures_total',
    help: 'Active health checks that did not pass, by upstream and code (unexpected_status, connection_refused, client_certificate_rejected, ...).',
    labelNames: ['upstream', 'code'] as const,
    registers: [registry],
  });
  const checksPassed = new Counter({
    name: 'kupstream_health_checks_passed_total',
    help: 'Active health checks that passed, by upstream.',
    labelNames: ['upstream'] as const,
    registers: [registry],
  });
  const totals = new RunningTotals();

  return {
    setTraffic(traffic) {
      endpoints.reset();
      for (const t of traffic) {
        const upstream = t.upstream;
        if (t.endpoints) {
          const counts = new Map(ENDPOINT_STATES.map((s) => [s, 0]));
          for (const e of t.endpoints) counts.set(endpointState(e), counts.get(endpointState(e))! + 1);
          for (const [state, n] of counts) endpoints.set({ upstream, state }, n);
        }
        totals.advance(ejections, { upstream }, t.ejections);
        totals.advance(readmissions, { upstream }, t.readmissions ?? 0);
        totals.advance(overflows, { upstream }, t.overflows);
        if (t.healthChecks) {
          totals.advance(checksPassed, { upstream }, t.healthChecks.passed);
          for (const [code, total] of Object.entries(t.healthChecks.failed)) totals.advance(checkFailures, { upstream, code }, total);
        }
      }
    },
  };
}
