// A Service's `kupstream.dev/*` traffic annotations — load balancer, circuit breaker,
// outlier detection, active health check — read into the model's UpstreamTraffic. One
// parser for every translator that builds Service upstreams. An invalid value is a problem
// naming the annotation and what it accepts; that setting alone falls back to the default.
import { durationMs } from './duration.js';
import type { HealthCheck, LoadBalancerPolicy, OutlierDetection, UpstreamTraffic } from './model.js';
import { annotationsOf } from './object-meta.js';

export const TRAFFIC_ANNOTATION_PREFIX = 'kupstream.dev/';

/** Every annotation read, by what it sets. */
export const TRAFFIC_ANNOTATIONS = {
  loadBalancer: 'kupstream.dev/load-balancer',
  maxConnections: 'kupstream.dev/max-connections',
  maxPendingRequests: 'kupstream.dev/max-pending-requests',
  outlierConsecutiveFailures: 'kupstream.dev/outlier-consecutive-failures',
  outlierBaseEjectionTime: 'kupstream.dev/outlier-base-ejection-time',
  outlierMaxEjectionTime: 'kupstream.dev/outlier-max-ejection-time',
  outlierMaxEjectionPercent: 'kupstream.dev/outlier-max-ejection-percent',
  healthCheck: 'kupstream.dev/health-check',
  healthCheckPath: 'kupstream.dev/health-check-path',
  healthCheckStatuses: 'kupstream.dev/health-check-statuses',
  healthCheckInterval: 'kupstream.dev/health-check-interval',
  healthCheckTimeout: 'kupstream.dev/health-check-timeout',
  healthCheckUnhealthyThreshold: 'kupstream.dev/health-check-unhealthy-threshold',
  healthCheckHealthyThreshold: 'kupstream.dev/health-check-healthy-threshold',
} as const;

export interface TrafficProblem {
  code: 'TrafficAnnotationInvalid';
  message: string;
  /** `metadata.annotations[kupstream.dev/...]` */
  field: string;
}

export interface TrafficDecision {
  traffic?: UpstreamTraffic;
  problems: TrafficProblem[];
}

const POLICIES: readonly LoadBalancerPolicy[] = ['round-robin', 'least-request'];
const MAX_COUNT = 1_000_000;

/** The traffic settings a Service's annotations ask for (undefined when it sets none). */
export function trafficForService(service: unknown): TrafficDecision {
  const annotations = annotationsOf(service);
  const problems: TrafficProblem[] = [];
  const present = (key: string): string | undefined => {
    const value = annotations[key];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const problem = (key: string, value: string, expected: string) =>
    problems.push({
      code: 'TrafficAnnotationInvalid',
      message: `${key} is ${JSON.stringify(value)}; expected ${expected}; the default is used`,
      field: `metadata.annotations[${key}]`,
    });
  const integer = (key: string, min: number, max: number): number | undefined => {
    const raw = present(key);
    if (raw === undefined) return undefined;
    const value = /^[0-9]{1,7}$/.test(raw) ? Number(raw) : NaN;
    if (Number.isInteger(value) && value >= min && value <= max) return value;
    problem(key, raw, `an integer from ${min} to ${max}`);
    return undefined;
  };
  const duration = (key: string): number | undefined => {
    const raw = present(key);
    if (raw === undefined) return undefined;
    const ms = durationMs(raw);
    if (ms !== undefined && ms > 0) return ms;
    problem(key, raw, 'a duration above zero such as "500ms", "10s" or "1m30s"');
    return undefined;
  };

  const traffic: UpstreamTraffic = {};
  const lb = present(TRAFFIC_ANNOTATIONS.loadBalancer);
  if (lb !== undefined) {
    const policy = lb.toLowerCase() as LoadBalancerPolicy;
    if (POLICIES.includes(policy)) traffic.loadBalancer = policy;
    else problem(TRAFFIC_ANNOTATIONS.loadBalancer, lb, POLICIES.join(' or '));
  }
  const maxConnections = integer(TRAFFIC_ANNOTATIONS.maxConnections, 1, MAX_COUNT);
  if (maxConnections !== undefined) traffic.maxConnections = maxConnections;
  const maxPending = integer(TRAFFIC_ANNOTATIONS.maxPendingRequests, 0, MAX_COUNT);
  if (maxPending !== undefined) traffic.maxPendingRequests = maxPending;

  const outlier: OutlierDetection = {};
  const failures = integer(TRAFFIC_ANNOTATIONS.outlierConsecutiveFailures, 0, 1000);
  if (failures !== undefined) outlier.consecutiveFailures = failures;
  const base = duration(TRAFFIC_ANNOTATIONS.outlierBaseEjectionTime);
  if (base !== undefined) outlier.baseEjectionMs = base;
  const max = duration(TRAFFIC_ANNOTATIONS.outlierMaxEjectionTime);
  if (max !== undefined) outlier.maxEjectionMs = max;
  const percent = integer(TRAFFIC_ANNOTATIONS.outlierMaxEjectionPercent, 0, 100);
  if (percent !== undefined) outlier.maxEjectionPercent = percent;
  if (Object.keys(outlier).length) traffic.outlierDetection = outlier;

  const healthCheck = readHealthCheck(present, problem, integer, duration);
  if (healthCheck) traffic.healthCheck = healthCheck;
  return Object.keys(traffic).length ? { traffic, problems } : { problems };
}

function readHealthCheck(
  present: (key: string) => string | undefined,
  problem: (key: string, value: string, expected: string) => void,
  integer: (key: string, min: number, max: number) => number | undefined,
  duration: (key: string) => number | undefined,
): HealthCheck | undefined {
  const A = TRAFFIC_ANNOTATIONS;
  const type = present(A.healthCheck)?.toLowerCase();
  if (type === undefined || type === 'off' || type === 'none') return undefined;
  if (type !== 'http' && type !== 'tls') {
    problem(A.healthCheck, present(A.healthCheck)!, 'http, tls or off');
    return undefined;
  }
  const check: HealthCheck = { type };
  const path = present(A.healthCheckPath);
  if (path !== undefined) {
    // A path of printable ASCII only: it goes on the wire as the request-target.
    if (/^\/[\x21-\x7e]*$/.test(path) && path.length <= 1024) check.path = path;
    else problem(A.healthCheckPath, path, 'an absolute path such as /healthz (printable ASCII, no spaces)');
  }
  const statuses = present(A.healthCheckStatuses);
  if (statuses !== undefined) {
    const ranges = parseStatusRanges(statuses);
    if (ranges) check.statuses = ranges;
    else problem(A.healthCheckStatuses, statuses, 'statuses or ranges such as "200", "200-299" or "200,204,300-399"');
  }
  const interval = duration(A.healthCheckInterval);
  if (interval !== undefined) check.intervalMs = interval;
  const timeout = duration(A.healthCheckTimeout);
  if (timeout !== undefined) check.timeoutMs = timeout;
  const unhealthy = integer(A.healthCheckUnhealthyThreshold, 1, 100);
  if (unhealthy !== undefined) check.unhealthyThreshold = unhealthy;
  const healthy = integer(A.healthCheckHealthyThreshold, 1, 100);
  if (healthy !== undefined) check.healthyThreshold = healthy;
  return check;
}

/** `200`, `200-299`, `200,204,300-399` as inclusive ranges within 100-599; undefined when malformed. */
export function parseStatusRanges(value: string): [number, number][] | undefined {
  const out: [number, number][] = [];
  for (const part of value.split(',')) {
    const match = /^\s*([1-5][0-9]{2})\s*(?:-\s*([1-5][0-9]{2})\s*)?$/.exec(part);
    if (!match) return undefined;
    const low = Number(match[1]);
    const high = match[2] !== undefined ? Number(match[2]) : low;
    if (high < low) return undefined;
    out.push([low, high]);
  }
  return out.length ? out : undefined;
}
