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
