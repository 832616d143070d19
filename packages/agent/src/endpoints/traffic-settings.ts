// One upstream's effective traffic settings: its Service's annotations (`Upstream.traffic`)
// over the proxy's defaults (timeouts/defaults.ts, with the host's `traffic` option).
import type { Upstream } from '@kupstream/core';
import type { TrafficDefaults } from '../timeouts/defaults.js';

export interface HealthCheckSettings {
  type: 'http' | 'tls';
  path: string;
  statuses: readonly (readonly [number, number])[];
  intervalMs: number;
  timeoutMs: number;
  unhealthyThreshold: number;
  healthyThreshold: number;
}

export interface TrafficSettings {
  loadBalancer: 'round-robin' | 'least-request';
  maxConnections: number;
  maxPendingRequests: number;
  consecutiveFailures: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  maxEjectionPercent: number;
  /** Absent: no active health checks (they are opt-in). */
  healthCheck?: HealthCheckSettings;
}

export function trafficSettings(upstream: Upstream, defaults: TrafficDefaults): TrafficSettings {
  const traffic = upstream.traffic ?? {};
  const outlier = traffic.outlierDetection ?? {};
  const check = traffic.healthCheck;
  return {
    loadBalancer: traffic.loadBalancer ?? defaults.loadBalancer,
    maxConnections: traffic.maxConnections ?? defaults.maxConnections,
    maxPendingRequests: traffic.maxPendingRequests ?? defaults.maxPendingRequests,
    consecutiveFailures: outlier.consecutiveFailures ?? defaults.outlierConsecutiveFailures,
    baseEjectionMs: outlier.baseEjectionMs ?? defaults.outlierBaseEjectionMs,
    maxEjectionMs: Math.max(
      outlier.maxEjectionMs ?? defaults.outlierMaxEjectionMs,
      outlier.baseEjectionMs ?? defaults.outlierBaseEjectionMs,
    ),
    maxEjectionPercent: outlier.maxEjectionPercent ?? defaults.outlierMaxEjectionPercent,
    ...(check
      ? {
          healthCheck: {
            type: check.type,
            path: check.path ?? defaults.healthCheckPath,
            statuses: check.statuses ?? defaults.healthCheckStatuses,
            intervalMs: check.intervalMs ?? defaults.healthCheckIntervalMs,
            timeoutMs: check.timeoutMs ?? defaults.healthCheckTimeoutMs,
            unhealthyThreshold: check.unhealthyThreshold ?? defaults.healthCheckUnhealthyThreshold,
            healthyThreshold: check.healthyThreshold ?? defaults.healthCheckHealthyThreshold,
          },
        }
      : {}),
  };
}
