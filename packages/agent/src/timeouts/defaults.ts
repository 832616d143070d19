// Every default of the agent, stated once. Node itself has no connect or handshake
// timeout (a black-holed peer hangs forever), so the dialer always arms its own timers.

export interface Timeouts {
  /** TCP connect, DNS included (ms). */
  connect: number;
  /** From TCP connect until `secureConnect` (ms). */
  handshake: number;
  /**
   * TLS 1.3 only: how long to wait after `secureConnect` for the server's session
   * ticket before trusting the connection. A server that rejects our client
   * certificate answers with an alert or a close instead, which arrives in this window.
   */
  postHandshake: number;
  /** A pooled upstream connection with no request is closed after this (ms). */
  idle: number;
  /** Waiting for the upstream's response headers (ms); 504 `response_timeout` after it. */
  response: number;
}

export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = Object.freeze({
  connect: 10_000,
  handshake: 10_000,
  postHandshake: 250,
  idle: 30_000,
  response: 60_000,
});

/** Wait between retry attempts when a route's `retry` sets no `backoff` (ms). */
export const DEFAULT_RETRY_BACKOFF_MS = 25;

/** TLS sessions kept per session cache (the figure undici and https.Agent use). */
export const DEFAULT_MAX_CACHED_SESSIONS = 100;

/** Connections per (upstream, identity) pool; bounds file descriptors under a slow upstream. */
export const DEFAULT_MAX_SOCKETS_PER_POOL = 256;

/**
 * Limits of the downstream http.Server, which belongs to the host: `applyServerTimeouts`
 * sets them. Node's own defaults leave a connection that never sends a request open for
 * as long as the client likes (headersTimeout is only checked every 30 s).
 */
export interface ServerTimeouts {
  /** The request head must arrive within this (ms); Node answers 408 (`server.headersTimeout`). */
  headers: number;
  /** The whole request, body included (ms) (`server.requestTimeout`). */
  request: number;
  /** A kept-alive connection waiting for its next request closes after this (ms) (`server.keepAliveTimeout`). */
  keepAlive: number;
  /** A connection without a request in progress and without a byte in either direction closes after this (ms) (`server.timeout`). */
  idle: number;
  /** Request line plus headers; Node answers 431 above it (`server.maxHeaderSize`). */
  maxHeaderBytes: number;
}

export const DEFAULT_SERVER_TIMEOUTS: Readonly<ServerTimeouts> = Object.freeze({
  headers: 20_000,
  request: 300_000,
  keepAlive: 5_000,
  idle: 30_000,
  maxHeaderBytes: 16 * 1024,
});

/** Request bodies above this are answered 413 `request_body_too_large` (bodies stream, so this bounds abuse, not memory). */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Load balancing, circuit breaking and health defaults of every upstream (Envoy's, where
 * it has one). A Service's `kupstream.dev/*` annotations override them per upstream
 * (`Upstream.traffic`), the proxy's `traffic` option for all upstreams.
 */
export interface TrafficDefaults {
  loadBalancer: 'round-robin' | 'least-request';
  /** Requests in progress at once per upstream (HTTP/1.1: busy connections; HTTP/2: open streams). */
  maxConnections: number;
  /** Requests waiting for a slot per upstream; beyond them 503 `upstream_overflow` at once. */
  maxPendingRequests: number;
  /** Connect/handshake failures or 5xx in a row that eject an endpoint; 0: never. */
  outlierConsecutiveFailures: number;
  /** An ejection lasts base x times ejected (ms), capped at the max. */
  outlierBaseEjectionMs: number;
  outlierMaxEjectionMs: number;
  /** Share of an upstream's endpoints ejected at once at most; one may always be, the last never. */
  outlierMaxEjectionPercent: number;
  healthCheckIntervalMs: number;
  healthCheckTimeoutMs: number;
  healthCheckPath: string;
  /** Inclusive status ranges an HTTP health check expects. */
  healthCheckStatuses: readonly (readonly [number, number])[];
  healthCheckUnhealthyThreshold: number;
  healthCheckHealthyThreshold: number;
}

export const DEFAULT_TRAFFIC: Readonly<TrafficDefaults> = Object.freeze({
  loadBalancer: 'least-request',
  maxConnections: 1024,
  maxPendingRequests: 1024,
  outlierConsecutiveFailures: 5,
  outlierBaseEjectionMs: 30_000,
  outlierMaxEjectionMs: 300_000,
  outlierMaxEjectionPercent: 10,
  healthCheckIntervalMs: 10_000,
  healthCheckTimeoutMs: 5_000,
  healthCheckPath: '/',
  healthCheckStatuses: Object.freeze([Object.freeze([200, 399] as const)]),
  healthCheckUnhealthyThreshold: 3,
  healthCheckHealthyThreshold: 1,
});

/**
 * Health checks are spread: the first one of an endpoint comes within this share of the
 * interval, and each next one after the interval plus or minus this share (Envoy's
 * interval jitter), so endpoints and proxies do not check in step.
 */
export const HEALTH_CHECK_JITTER = 0.1;

/** The traffic defaults with a host's overrides, checked eagerly. */
export function resolveTrafficDefaults(partial: Partial<TrafficDefaults> | undefined): TrafficDefaults {
  const merged = { ...DEFAULT_TRAFFIC, ...stripUndefined(partial ?? {}) } as TrafficDefaults;
  if (merged.loadBalancer !== 'round-robin' && merged.loadBalancer !== 'least-request')
    throw new RangeError(`traffic.loadBalancer must be 'round-robin' or 'least-request', got ${String(merged.loadBalancer)}`);
  const counts: (keyof TrafficDefaults)[] = ['maxConnections', 'healthCheckUnhealthyThreshold', 'healthCheckHealthyThreshold'];
  for (const name of counts) {
    const value = merged[name] as number;
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`traffic.${name} must be an integer of at least 1, got ${String(value)}`);
  }
  for (const name of ['maxPendingRequests', 'outlierConsecutiveFailures'] as const) {
    if (!Number.isInteger(merged[name]) || merged[name] < 0)
      throw new RangeError(`traffic.${name} must be an integer of at least 0, got ${String(merged[name])}`);
  }
  for (const name of ['outlierBaseEjectionMs', 'outlierMaxEjectionMs', 'healthCheckIntervalMs', 'healthCheckTimeoutMs'] as const) {
    if (!Number.isFinite(merged[name]) || merged[name] <= 0)
      throw new RangeError(`traffic.${name} must be a positive number of milliseconds, got ${String(merged[name])}`);
  }
  if (!(merged.outlierMaxEjectionPercent >= 0 && merged.outlierMaxEjectionPercent <= 100))
    throw new RangeError(`traffic.outlierMaxEjectionPercent must be from 0 to 100, got ${String(merged.outlierMaxEjectionPercent)}`);
  if (!merged.healthCheckPath.startsWith('/'))
    throw new RangeError(`traffic.healthCheckPath must start with /, got ${merged.healthCheckPath}`);
  return merged;
}

export function resolveTimeouts(partial: Partial<Timeouts> | undefined): Timeouts {
  return positive({ ...DEFAULT_TIMEOUTS, ...stripUndefined(partial ?? {}) });
}

export function resolveServerTimeouts(partial: Partial<ServerTimeouts> | undefined): ServerTimeouts {
  return positive({ ...DEFAULT_SERVER_TIMEOUTS, ...stripUndefined(partial ?? {}) });
}

function positive<T extends object>(merged: T): T {
  for (const [name, value] of Object.entries(merged)) {
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(`timeout ${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return merged;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
