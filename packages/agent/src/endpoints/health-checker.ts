// Active health checks: for every upstream whose Service asks for them (`kupstream.dev/health-check`)
// and whose EndpointSlices are known, each ready endpoint is checked every interval (jittered),
// one check at a time per endpoint, and the verdict goes to the upstream's thresholds
// (upstream-endpoints.ts). Checks follow the model and the slices: they start for endpoints
// that come, stop (timer cleared, socket destroyed) for those that go, restart when the
// upstream or its settings change, and all stop on close(). An upstream the model marks
// `unavailable` is never checked (fail closed); one whose material is missing is never dialed
// (its dialer refuses before any socket) and is reported `rejected`.
import type { CredentialStore, Upstream } from '@kupstream/core';
import { createUpstreamDialer, type UpstreamDialer } from '../dialer.js';
import { HEALTH_CHECK_JITTER } from '../timeouts/defaults.js';
import type { UpstreamDenyList } from '../upstream-deny-list.js';
import type { Resolve } from '../upstream-target.js';
import type { EndpointRegistry } from './endpoint-registry.js';
import { checkEndpoint, type HealthCheckVerdict } from './health-check-probe.js';
import type { HealthCheckSettings } from './traffic-settings.js';
import type { EndpointState, UpstreamEndpoints } from './upstream-endpoints.js';

export interface HealthCheckerOptions {
  registry: EndpointRegistry;
  credentials: CredentialStore;
  resolve?: Resolve;
  deny?: UpstreamDenyList;
  /** Jitter; returns [0, 1). */
  random: () => number;
}

/** One upstream's check setup: the dialer (made once per upstream version) and the settings. */
interface UpstreamChecks {
  upstream: Upstream;
  /** What a change of restarts the upstream's checks: the upstream and its check settings. */
  key: string;
  dialer: UpstreamDialer;
  settings: HealthCheckSettings;
}

/** The checks of one endpoint: its next timer, or the check in progress. */
interface EndpointChecks {
  upstream: string;
  state: EndpointState;
  setup: UpstreamChecks;
  timer: NodeJS.Timeout | undefined;
  running: AbortController | undefined;
}

export class HealthChecker {
  readonly #options: HealthCheckerOptions;
  readonly #upstreams = new Map<string, Upstream>();
  readonly #setups = new Map<string, UpstreamChecks>();
  /** By `upstream\0endpoint key`. */
  readonly #checks = new Map<string, EndpointChecks>();
  #closed = false;

  constructor(options: HealthCheckerOptions) {
    this.#options = options;
  }

  /** The model's upstreams (the registry follows the same list); `refresh()` applies them. */
  setUpstreams(upstreams: readonly Upstream[]): void {
    this.#upstreams.clear();
    for (const u of upstreams) this.#upstreams.set(u.name, u);
  }

  /** Endpoints being checked, and checks in progress (each holds a socket). */
  stats(): { endpoints: number; inProgress: number } {
    let inProgress = 0;
    for (const checks of this.#checks.values()) if (checks.running) inProgress++;
    return { endpoints: this.#checks.size, inProgress };
  }

  /** Starts checks that should run and stops those that should not (after any model or slice change). */
  refresh(): void {
    if (this.#closed) return;
    const wanted = new Set<string>();
    const setups = new Set<string>();
    for (const endpoints of this.#options.registry.values()) {
      const setup = this.#setup(endpoints);
      if (!setup) continue;
      setups.add(endpoints.upstream);
      for (const state of endpoints.states ?? []) {
        // Ready endpoints only: terminating and not-ready ones get no requests to protect.
        if (!state.ready) continue;
        const key = `${endpoints.upstream}\u0000${state.address.key}`;
        wanted.add(key);
        const known = this.#checks.get(key);
        if (known && known.state === state && known.setup === setup) continue;
        if (known) this.#stop(key, known);
        const checks: EndpointChecks = { upstream: endpoints.upstream, state, setup, timer: undefined, running: undefined };
        this.#checks.set(key, checks);
        // The first check soon, spread over a share of the interval so a fleet does not check at once.
        this.#schedule(checks, setup.settings.intervalMs * HEALTH_CHECK_JITTER * this.#options.random());
      }
    }
    for (const [key, checks] of this.#checks) if (!wanted.has(key)) this.#stop(key, checks);
    for (const name of [...this.#setups.keys()]) if (!setups.has(name)) this.#setups.delete(name);
  }

  /** Stops every check: timers cleared, sockets in progress destroyed. */
  close(): void {
    this.#closed = true;
    for (const [key, checks] of this.#checks) this.#stop(key, checks);
    this.#setups.clear();
  }

  /** The upstream's check setup, or undefined when it is not checked. */
  #setup(endpoints: UpstreamEndpoints): UpstreamChecks | undefined {
    const settings = endpoints.settings.healthCheck;
    const upstream = this.#upstreams.get(endpoints.upstream);
    // No checks asked for, no model entry, fail closed, or no slice known (nothing to eject).
    if (!settings || !upstream || upstream.unavailable || !endpoints.states) return undefined;
    const key = JSON.stringify([upstream, settings]);
    const known = this.#setups.get(upstream.name);
    if (known && known.key === key) return known;
    const { credentials, resolve, deny } = this.#options;
    const setup: UpstreamChecks = {
      upstream,
      key,
      settings,
      dialer: createUpstreamDialer(upstream, {
        credentials,
        ...(resolve ? { resolve } : {}),
        ...(deny ? { deny } : {}),
        // A resumed session presents nothing and re-checks nothing: every check is a full handshake.
        sessionCache: false,
        connectTimeout: settings.timeoutMs,
        handshakeTimeout: settings.timeoutMs,
      }),
    };
    this.#setups.set(upstream.name, setup);
    return setup;
  }

  #schedule(checks: EndpointChecks, ms: number): void {
    clearTimeout(checks.timer);
    checks.timer = setTimeout(() => void this.#run(checks), ms);
    // Checks never keep a host process alive on their own.
    checks.timer.unref();
  }

  async #run(checks: EndpointChecks): Promise<void> {
    checks.timer = undefined;
    const controller = new AbortController();
    checks.running = controller;
    const { setup, state } = checks;
    let verdict: HealthCheckVerdict;
    try {
      verdict = await checkEndpoint({
        upstream: setup.upstream,
        dialer: setup.dialer,
        endpoint: state.address,
        settings: setup.settings,
        signal: controller.signal,
      });
    } catch {
      // checkEndpoint never throws; a bug here must not stop the checks.
      verdict = { outcome: 'unhealthy', code: 'connection_failed', at: new Date().toISOString() };
    }
    if (controller.signal.aborted || checks.running !== controller) return;
    checks.running = undefined;
    this.#options.registry.get(checks.upstream)?.checked(state, verdict);
    const { intervalMs } = setup.settings;
    this.#schedule(checks, intervalMs * (1 - HEALTH_CHECK_JITTER + 2 * HEALTH_CHECK_JITTER * this.#options.random()));
  }

  #stop(key: string, checks: EndpointChecks): void {
    clearTimeout(checks.timer);
    checks.timer = undefined;
    checks.running?.abort();
    checks.running = undefined;
    this.#checks.delete(key);
  }
}
