// One upstream's endpoints and the state traffic builds up on them: requests in progress,
// consecutive failures and ejections (outlier detection), the active health verdict (the
// thresholds of health-checker.ts's checks), and the upstream's circuit breaker (slots for
// requests in progress, a bounded queue of pending ones). Endpoint churn keeps the state of
// addresses that stay.
import type { ServiceEndpoint } from '@kupstream/core';
import { pickEndpoint, tierOf, type PickableEndpoint, type PickerState } from './endpoint-picker.js';
import type { HealthCheckCode, HealthCheckOutcome, HealthCheckVerdict } from './health-check-probe.js';
import type { TrafficSettings } from './traffic-settings.js';

/** Where one endpoint is dialed. */
export interface EndpointAddress {
  host: string;
  port: number;
  /** `host:port` (IPv6 in brackets): the endpoint's identity in pools, caches and stats. */
  key: string;
}

export type EndpointEvent =
  | {
      type: 'ejected';
      upstream: string;
      endpoint: string;
      /** `outlier`: failures in a row; `health-check`: active probes failed. */
      reason: 'outlier' | 'health-check';
      /** ISO time the outlier ejection ends. */
      until?: string;
      timesEjected?: number;
      /** `health-check`: the code of the check that crossed the unhealthy threshold. */
      code?: HealthCheckCode;
    }
  | { type: 'readmitted'; upstream: string; endpoint: string; reason: 'outlier' | 'health-check' }
  | { type: 'overflow'; upstream: string }
  | {
      /**
       * An endpoint's active check verdict changed (its first one included). `rejected`
       * (`client_certificate_rejected`, `certificate_untrusted`, ...) is a configuration
       * error reported here and never an ejection.
       */
      type: 'health-check';
      upstream: string;
      endpoint: string;
      outcome: HealthCheckOutcome;
      code?: HealthCheckCode;
      status?: number;
      message?: string;
    };

/** Counts of one endpoint (stats, metrics, the inspector). */
export interface EndpointStats {
  address: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** Taken out: by outlier detection (until `ejectedUntil`) or by failing health checks. */
  ejected: boolean;
  ejectedUntil?: string;
  timesEjected: number;
  /** The active health verdict (absent until a check judged it). */
  healthy?: boolean;
  /** Failing its checks but kept in: it is the last endpoint in rotation. */
  heldIn?: true;
  /** The latest active check. */
  lastCheck?: HealthCheckVerdict;
  inFlight: number;
  consecutiveFailures: number;
  target?: string;
}

export interface UpstreamTrafficStats {
  upstream: string;
  /** Absent: no EndpointSlice is known, the Service name is dialed. */
  endpoints?: EndpointStats[];
  /** Requests holding a circuit-breaker slot. */
  active: number;
  /** Requests waiting for one. */
  pending: number;
  /** Requests answered 503 `upstream_overflow` since the upstream entered the model. */
  overflows: number;
  /** Ejections (outlier detection and health checks) since then. */
  ejections: number;
  /** Ejected endpoints taken back since then. */
  readmissions: number;
  /** Active checks since then (present when the upstream has them): passed, and failed by code. */
  healthChecks?: { passed: number; failed: Record<string, number> };
}

export function endpointKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export class EndpointState implements PickableEndpoint {
  readonly address: EndpointAddress;
  slice: ServiceEndpoint;
  inFlight = 0;
  consecutiveFailures = 0;
  /** Outlier ejection end (ms since epoch). */
  ejectedUntil: number | undefined;
  timesEjected = 0;
  lastReadmittedAt = 0;
  timer: NodeJS.Timeout | undefined;
  /** Active health: absent until a check judged it. */
  healthy: boolean | undefined;
  /** Unhealthy but kept in rotation: no other endpoint was in it. */
  heldIn = false;
  checksFailed = 0;
  checksPassed = 0;
  lastCheck: HealthCheckVerdict | undefined;

  constructor(slice: ServiceEndpoint) {
    this.slice = slice;
    this.address = { host: slice.address, port: slice.port, key: endpointKey(slice.address, slice.port) };
  }

  get ready(): boolean {
    return this.slice.ready && !this.slice.terminating;
  }

  get serving(): boolean {
    return this.slice.serving;
  }

  get ejected(): boolean {
    return this.ejectedUntil !== undefined || (this.healthy === false && !this.heldIn);
  }
}

/** A request's claim on the upstream: a circuit-breaker slot, and the endpoint it goes to. */
export interface EndpointLease {
  /** Absent: the Service name is dialed (no slice known). */
  readonly endpoint: EndpointAddress | undefined;
  /** The upstream answered with this status (5xx counts as a failure of the endpoint). */
  responded(status: number): void;
  /** Reaching the endpoint failed (connect, handshake, reset, timeout). */
  failed(): void;
  /** The request is over; idempotent. */
  release(): void;
}

export type Admission = { ticket: { cancel(): void } } | { overflow: true };

export class UpstreamEndpoints {
  settings: TrafficSettings;
  /** Undefined while no slice is known for the Service. */
  #states: EndpointState[] | undefined;
  readonly #picker: PickerState = { cursor: 0 };
  #active = 0;
  readonly #pending: (() => void)[] = [];
  #overflows = 0;
  #ejections = 0;
  #readmissions = 0;
  #checksPassed = 0;
  readonly #checksFailed = new Map<string, number>();
  #closed = false;

  constructor(
    readonly upstream: string,
    settings: TrafficSettings,
    readonly emit: (event: EndpointEvent) => void,
    readonly now: () => number,
  ) {
    this.settings = settings;
  }

  get states(): readonly EndpointState[] | undefined {
    return this.#states;
  }

  /** The slice's endpoints (undefined: none known); states of addresses that stay are kept. */
  setEndpoints(endpoints: readonly ServiceEndpoint[] | undefined): void {
    if (!endpoints) {
      for (const state of this.#states ?? []) clearTimeout(state.timer);
      this.#states = undefined;
      return;
    }
    const previous = new Map((this.#states ?? []).map((s) => [s.address.key, s]));
    const next: EndpointState[] = [];
    for (const slice of endpoints) {
      const key = endpointKey(slice.address, slice.port);
      const known = previous.get(key);
      previous.delete(key);
      if (known) {
        known.slice = slice;
        next.push(known);
      } else next.push(new EndpointState(slice));
    }
    for (const gone of previous.values()) clearTimeout(gone.timer);
    this.#states = next;
    // An endpoint that came (or came back) may take over from one kept in despite its checks.
    this.#ejectHeld();
  }

  /** Addresses whose pooled connections may stay: ready endpoints (terminating and not-ready ones drain). */
  liveKeys(): Set<string> | undefined {
    return this.#states ? new Set(this.#states.filter((s) => s.ready).map((s) => s.address.key)) : undefined;
  }

  /**
   * Takes a circuit-breaker slot now, or queues for one, or refuses at once (overflow).
   * `grant` runs with the slot held; `cancel` leaves the queue (or gives the slot back).
   */
  admit(grant: (acquire: (random: () => number) => EndpointLease | undefined, giveBack: () => void) => void): Admission {
    let waiting = false;
    let releaseSlot: (() => void) | undefined;
    const take = () => {
      waiting = false;
      this.#active++;
      let released = false;
      const slot = () => {
        if (released) return;
        released = true;
        this.#active--;
        this.#next();
      };
      releaseSlot = slot;
      grant((random) => this.#lease(random, slot), slot);
    };
    const ticket = {
      cancel: () => {
        if (!waiting) return releaseSlot?.();
        waiting = false;
        const at = this.#pending.indexOf(take);
        if (at >= 0) this.#pending.splice(at, 1);
      },
    };
    if (this.#active < this.settings.maxConnections && this.#pending.length === 0) {
      take();
      return { ticket };
    }
    if (this.#pending.length >= this.settings.maxPendingRequests) {
      this.#overflows++;
      this.emit({ type: 'overflow', upstream: this.upstream });
      return { overflow: true };
    }
    waiting = true;
    this.#pending.push(take);
    return { ticket };
  }

  #next(): void {
    if (this.#closed) return;
    while (this.#active < this.settings.maxConnections && this.#pending.length > 0) this.#pending.shift()!();
  }

  /** An endpoint for a request that holds a slot; undefined when the slice lists none that may take it. */
  #lease(random: () => number, releaseSlot: () => void): EndpointLease | undefined {
    const states = this.#states;
    if (!states) return this.#serviceLease(releaseSlot);
    const at = pickEndpoint(states, this.settings.loadBalancer, this.#picker, random);
    if (at === undefined) return undefined;
    const state = states[at]!;
    state.inFlight++;
    let released = false;
    let outcome = false;
    return {
      endpoint: state.address,
      responded: (status) => {
        if (outcome) return;
        outcome = true;
        if (status >= 500) this.#failure(state);
        else this.#success(state);
      },
      failed: () => {
        if (outcome) return;
        outcome = true;
        this.#failure(state);
      },
      release: () => {
        if (released) return;
        released = true;
        state.inFlight--;
        releaseSlot();
      },
    };
  }

  #serviceLease(releaseSlot: () => void): EndpointLease {
    return { endpoint: undefined, responded: () => undefined, failed: () => undefined, release: releaseSlot };
  }

  /** An endpoint for traffic outside the circuit breaker (tunnels, mirrors): picked, not counted. */
  pickAddress(random: () => number): EndpointAddress | undefined {
    const states = this.#states;
    if (!states) return undefined;
    const at = pickEndpoint(states, this.settings.loadBalancer, this.#picker, random);
    return at === undefined ? undefined : states[at]!.address;
  }

  #success(state: EndpointState): void {
    state.consecutiveFailures = 0;
    // An endpoint that stayed in for the longest ejection starts its multiplier over.
    if (state.timesEjected > 0 && state.ejectedUntil === undefined && this.now() - state.lastReadmittedAt >= this.settings.maxEjectionMs)
      state.timesEjected = 0;
  }

  #failure(state: EndpointState): void {
    state.consecutiveFailures++;
    const limit = this.settings.consecutiveFailures;
    if (limit > 0 && state.consecutiveFailures >= limit && state.ejectedUntil === undefined) this.#eject(state);
  }

  /** Whether one more endpoint may be taken out: never the last healthy one, and within the max ejection percent. */
  mayEject(state: EndpointState): boolean {
    const states = this.#states ?? [];
    if (!states.some((s) => s !== state && tierOf(s) === 0)) return false;
    const ejected = states.filter((s) => s !== state && s.ejected).length;
    // One may always be ejected (as Envoy does), more only within the percentage.
    return ejected === 0 || ((ejected + 1) * 100) / states.length <= this.settings.maxEjectionPercent;
  }

  #eject(state: EndpointState): void {
    if (!this.mayEject(state)) return;
    state.timesEjected++;
    const ms = Math.min(this.settings.baseEjectionMs * state.timesEjected, this.settings.maxEjectionMs);
    state.ejectedUntil = this.now() + ms;
    state.consecutiveFailures = 0;
    this.#ejections++;
    clearTimeout(state.timer);
    state.timer = setTimeout(() => this.#readmit(state), ms);
    state.timer.unref?.();
    this.emit({
      type: 'ejected',
      upstream: this.upstream,
      endpoint: state.address.key,
      reason: 'outlier',
      until: new Date(state.ejectedUntil).toISOString(),
      timesEjected: state.timesEjected,
    });
  }

  #readmit(state: EndpointState, reason: 'outlier' | 'health-check' = 'outlier'): void {
    clearTimeout(state.timer);
    state.timer = undefined;
    if (state.ejectedUntil === undefined) return;
    state.ejectedUntil = undefined;
    state.lastReadmittedAt = this.now();
    if (this.#closed || !this.#states?.includes(state)) return;
    // Still out when its health checks say it is down.
    if (state.ejected) return;
    this.#readmissions++;
    this.emit({ type: 'readmitted', upstream: this.upstream, endpoint: state.address.key, reason });
    this.#ejectHeld();
  }

  /**
   * An active health check's verdict on an endpoint. Down verdicts in a row (the unhealthy
   * threshold) take it out, passes in a row (the healthy threshold) bring it back; a pass
   * also ends an outlier ejection (as Envoy does). A `rejected` verdict (our identity or
   * configuration refused) is counted and reported but moves no threshold.
   */
  checked(state: EndpointState, verdict: HealthCheckVerdict): void {
    const check = this.settings.healthCheck;
    if (!check || this.#closed || !this.#states?.includes(state)) return;
    const before = state.lastCheck;
    state.lastCheck = verdict;
    if (verdict.outcome === 'healthy') this.#checksPassed++;
    else this.#checksFailed.set(verdict.code ?? 'failed', (this.#checksFailed.get(verdict.code ?? 'failed') ?? 0) + 1);
    if (!before || before.outcome !== verdict.outcome || before.code !== verdict.code || before.status !== verdict.status)
      this.emit({
        type: 'health-check',
        upstream: this.upstream,
        endpoint: state.address.key,
        outcome: verdict.outcome,
        ...(verdict.code ? { code: verdict.code } : {}),
        ...(verdict.status !== undefined ? { status: verdict.status } : {}),
        ...(verdict.message ? { message: verdict.message } : {}),
      });
    if (verdict.outcome === 'rejected') return;
    if (verdict.outcome === 'healthy') {
      state.checksFailed = 0;
      state.checksPassed++;
      if (state.healthy === undefined) state.healthy = true;
      else if (state.healthy === false && state.checksPassed >= check.healthyThreshold) {
        const wasOut = state.ejected;
        state.healthy = true;
        state.heldIn = false;
        if (wasOut && !state.ejected) {
          this.#readmissions++;
          this.emit({ type: 'readmitted', upstream: this.upstream, endpoint: state.address.key, reason: 'health-check' });
          this.#ejectHeld();
        }
      }
      if (state.ejectedUntil !== undefined && state.healthy) this.#readmit(state, 'health-check');
      return;
    }
    state.checksPassed = 0;
    state.checksFailed++;
    if (state.healthy !== false && state.checksFailed >= check.unhealthyThreshold) {
      state.healthy = false;
      this.#takeOut(state);
    } else if (state.healthy === false && state.heldIn) this.#takeOut(state);
  }

  /**
   * An endpoint its checks call down leaves the rotation, unless it is the last one in it:
   * then it stays (held in) and takes the requests, as outlier detection never ejects the
   * last healthy endpoint either; it goes once another endpoint is back in.
   */
  #takeOut(state: EndpointState): void {
    const others = (this.#states ?? []).some((s) => s !== state && tierOf(s) === 0);
    if (!others) {
      state.heldIn = true;
      return;
    }
    state.heldIn = false;
    this.#ejections++;
    this.emit({
      type: 'ejected',
      upstream: this.upstream,
      endpoint: state.address.key,
      reason: 'health-check',
      ...(state.lastCheck?.code ? { code: state.lastCheck.code } : {}),
    });
  }

  /** Endpoints held in despite failing checks leave once another endpoint is in rotation. */
  #ejectHeld(): void {
    if (this.#closed) return;
    for (const state of this.#states ?? []) if (state.healthy === false && state.heldIn) this.#takeOut(state);
  }

  stats(): UpstreamTrafficStats {
    return {
      upstream: this.upstream,
      ...(this.#states
        ? {
            endpoints: this.#states.map((s) => ({
              address: s.address.host,
              port: s.address.port,
              ready: s.slice.ready,
              serving: s.slice.serving,
              terminating: s.slice.terminating,
              ejected: s.ejected,
              ...(s.ejectedUntil !== undefined ? { ejectedUntil: new Date(s.ejectedUntil).toISOString() } : {}),
              timesEjected: s.timesEjected,
              ...(s.healthy !== undefined ? { healthy: s.healthy } : {}),
              ...(s.heldIn && s.healthy === false ? { heldIn: true as const } : {}),
              ...(s.lastCheck ? { lastCheck: { ...s.lastCheck } } : {}),
              inFlight: s.inFlight,
              consecutiveFailures: s.consecutiveFailures,
              ...(s.slice.target ? { target: s.slice.target } : {}),
            })),
          }
        : {}),
      active: this.#active,
      pending: this.#pending.length,
      overflows: this.#overflows,
      ejections: this.#ejections,
      readmissions: this.#readmissions,
      ...(this.settings.healthCheck || this.#checksPassed > 0 || this.#checksFailed.size > 0
        ? { healthChecks: { passed: this.#checksPassed, failed: Object.fromEntries(this.#checksFailed) } }
        : {}),
    };
  }

  close(): void {
    this.#closed = true;
    for (const state of this.#states ?? []) clearTimeout(state.timer);
    this.#pending.length = 0;
  }
}
