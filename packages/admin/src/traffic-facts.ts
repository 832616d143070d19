// What the admin server reads of the agent's endpoint traffic (`proxy.stats().traffic`, the
// agent's UpstreamTrafficStats), typed by shape so admin never depends on the agent, and the
// one rule that names an endpoint's state for the metrics and the inspector alike.

/** One endpoint of an upstream, as the agent reports it. */
export interface EndpointFacts {
  address: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** Out of rotation: by outlier detection (until `ejectedUntil`) or by failing health checks. */
  ejected: boolean;
  ejectedUntil?: string;
  /** The active health verdict, when checks judged it. */
  healthy?: boolean;
  /** Failing its checks but kept in: the last endpoint in rotation. */
  heldIn?: boolean;
  /** The latest active health check. */
  lastCheck?: { outcome: string; code?: string; status?: number; handshake?: boolean; message?: string; at: string };
  inFlight?: number;
}

/** One upstream's endpoints and running counts (since the upstream entered the model). */
export interface TrafficFacts {
  upstream: string;
  /** Absent: no EndpointSlice known, the Service name is dialed. */
  endpoints?: readonly EndpointFacts[];
  overflows: number;
  ejections: number;
  readmissions?: number;
  /** Active checks: passed, and failed by code. */
  healthChecks?: { passed: number; failed: Readonly<Record<string, number>> };
}

/**
 * `healthy`: takes requests; `ejected`: out of rotation; `unhealthy`: failing its checks but
 * kept in as the last one; `terminating`; `not-ready`.
 */
export type EndpointState = 'healthy' | 'ejected' | 'unhealthy' | 'terminating' | 'not-ready';

export const ENDPOINT_STATES: readonly EndpointState[] = ['healthy', 'ejected', 'unhealthy', 'terminating', 'not-ready'];

export function endpointState(e: EndpointFacts): EndpointState {
  if (e.terminating) return 'terminating';
  if (!e.ready) return 'not-ready';
  if (e.ejected) return 'ejected';
  return e.healthy === false ? 'unhealthy' : 'healthy';
}
