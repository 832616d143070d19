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

/** TLS sessions kept per session cache (the figure undici and https.Agent use). */
export const DEFAULT_MAX_CACHED_SESSIONS = 100;

/** Connections per (upstream, identity) pool; bounds file descriptors under a slow upstream. */
export const DEFAULT_MAX_SOCKETS_PER_POOL = 256;

export function resolveTimeouts(partial: Partial<Timeouts> | undefined): Timeouts {
  const merged = { ...DEFAULT_TIMEOUTS, ...stripUndefined(partial ?? {}) };
  for (const [name, value] of Object.entries(merged)) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`timeout ${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return merged;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
