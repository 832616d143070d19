// Every upstream's endpoints and traffic state, kept beside the model: `sync` follows the
// model's upstreams (and their settings), `setEndpoints` the EndpointSlices. Endpoint churn
// never touches the model, so it retires no upstream and changes no status; only the pools
// of endpoints that left or stopped being ready drain (`onLive`).
import type { Upstream, UpstreamEndpointMap } from '@kupstream/core';
import type { TrafficDefaults } from '../timeouts/defaults.js';
import { trafficSettings } from './traffic-settings.js';
import { UpstreamEndpoints, type EndpointAddress, type EndpointEvent, type UpstreamTrafficStats } from './upstream-endpoints.js';

export interface EndpointRegistryOptions {
  defaults: TrafficDefaults;
  emit: (event: EndpointEvent) => void;
  /** The addresses of an upstream whose connections may stay (undefined: no slice known). */
  onLive: (upstream: string, live: ReadonlySet<string> | undefined) => void;
  /** Called after the upstreams or their endpoints changed (health checks follow). */
  onChange?: () => void;
  /**
   * Whether the host's `resolve` maps the upstream's host and port: it is then dialed where
   * that says, and its EndpointSlices are ignored (an explicit override beats discovery).
   */
  resolved?: (upstream: Upstream) => boolean;
  now?: () => number;
}

export class EndpointRegistry {
  readonly #options: EndpointRegistryOptions;
  readonly #upstreams = new Map<string, UpstreamEndpoints>();
  /** Upstreams the host's `resolve` maps (their slices are not used). */
  readonly #resolved = new Set<string>();
  #endpoints: UpstreamEndpointMap = {};
  readonly #now: () => number;

  constructor(options: EndpointRegistryOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Follows the model: new upstreams get their endpoints, gone ones are dropped, settings are refreshed. */
  sync(upstreams: readonly Upstream[]): void {
    const names = new Set<string>();
    for (const upstream of upstreams) {
      names.add(upstream.name);
      const settings = trafficSettings(upstream, this.#options.defaults);
      const resolved = this.#options.resolved?.(upstream) ?? false;
      const wasResolved = this.#resolved.has(upstream.name);
      if (resolved) this.#resolved.add(upstream.name);
      else this.#resolved.delete(upstream.name);
      let known = this.#upstreams.get(upstream.name);
      if (!known) {
        known = new UpstreamEndpoints(upstream.name, settings, this.#options.emit, this.#now);
        this.#upstreams.set(upstream.name, known);
        this.#apply(known);
      } else {
        known.settings = settings;
        if (resolved !== wasResolved) this.#apply(known);
      }
    }
    for (const [name, known] of this.#upstreams) {
      if (names.has(name)) continue;
      known.close();
      this.#upstreams.delete(name);
      this.#resolved.delete(name);
    }
    this.#options.onChange?.();
  }

  /** The endpoints of every upstream (an upstream absent from the map dials its Service name). */
  setEndpoints(endpoints: UpstreamEndpointMap): void {
    this.#endpoints = endpoints;
    for (const known of this.#upstreams.values()) this.#apply(known);
    this.#options.onChange?.();
  }

  #apply(known: UpstreamEndpoints): void {
    const list =
      !this.#resolved.has(known.upstream) && Object.prototype.hasOwnProperty.call(this.#endpoints, known.upstream)
        ? this.#endpoints[known.upstream]
        : undefined;
    known.setEndpoints(list);
    this.#options.onLive(known.upstream, known.liveKeys());
  }

  get(name: string): UpstreamEndpoints | undefined {
    return this.#upstreams.get(name);
  }

  values(): IterableIterator<UpstreamEndpoints> {
    return this.#upstreams.values();
  }

  /** An endpoint for a connection outside the circuit breaker (tunnels, mirrors). */
  pickAddress(upstream: Upstream, random: () => number): EndpointAddress | undefined {
    return this.#upstreams.get(upstream.name)?.pickAddress(random);
  }

  stats(names: Iterable<string>): UpstreamTrafficStats[] {
    const out: UpstreamTrafficStats[] = [];
    for (const name of names) {
      const known = this.#upstreams.get(name);
      if (known) out.push(known.stats());
    }
    return out;
  }

  close(): void {
    for (const known of this.#upstreams.values()) known.close();
    this.#upstreams.clear();
  }
}
