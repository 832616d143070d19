// What the translated HTTPRoutes add up to: diagnostics, attached routes per listener,
// BackendTLSPolicy ancestors, upstreams on offer and contributions per endpoint. Every
// aggregate is a set or a count, so records can arrive in any order, and a translator that
// keeps this between calls patches a changed route in (its old record out, the new one in)
// instead of replaying all of them.
import type { Diagnostic, Upstream } from '@kupstream/core';
import { compareDiagnostics, compareStrings } from '@kupstream/core/building-blocks';
import type { BackendTlsPolicyIndex, PolicyState } from './backend-tls-policy.js';
import type { RecordedContribution, RouteRecord } from './http-routes.js';

/** A value and how many records hold it (every holder brings an equal value: the first is kept). */
interface Counted<T> {
  value: T;
  count: number;
}

export class RouteAggregate {
  readonly #policies: BackendTlsPolicyIndex;
  readonly #records = new Map<string, RouteRecord>();
  /** Diagnostic key -> one of the equal diagnostics. */
  readonly #diagnostics = new Map<string, Counted<Diagnostic>>();
  /** Gateway key -> listener index -> keys of the routes attached to it. */
  readonly #attached = new Map<string, Map<number, Set<string>>>();
  /** Policy -> Gateway key -> how many records reach one of its Service ports through it. */
  readonly #ancestors = new Map<PolicyState, Map<string, number>>();
  /** Upstream name -> the upstream. Equal names are equal upstreams within one frame: the name spells out what differs. */
  readonly #upstreams = new Map<string, Counted<Upstream>>();
  /** Endpoint key -> the contributions to that endpoint (mostly one route's: a list is lighter than a map). */
  readonly #groups = new Map<string, RecordedContribution[]>();
  /** Endpoint keys whose contributions changed since the last `takeChangedGroups()`. */
  #changedGroups = new Set<string>();
  #settled = false;

  constructor(policies: BackendTlsPolicyIndex) {
    this.#policies = policies;
  }

  /** Puts the route's record in, replacing the one it had. */
  set(routeKey: string, record: RouteRecord): void {
    const before = this.#records.get(routeKey);
    if (before === record) return;
    if (before) this.#apply(routeKey, before, -1);
    this.#records.set(routeKey, record);
    this.#apply(routeKey, record, 1);
  }

  /** Takes out every route not in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    for (const [routeKey, record] of this.#records) {
      if (keep.has(routeKey)) continue;
      this.#apply(routeKey, record, -1);
      this.#records.delete(routeKey);
    }
  }

  /**
   * Puts the first fill's diagnostics and upstreams in result order. Maps keep that order for
   * the keys that stay, so later results arrive nearly sorted and sorting them is cheap.
   */
  settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    resort(this.#diagnostics, (a, b) => compareDiagnostics(a.value, b.value));
    resort(this.#upstreams, (a, b) => compareStrings(a.value.name, b.value.name));
  }

  diagnostics(): IterableIterator<Counted<Diagnostic>> {
    return this.#diagnostics.values();
  }

  attachedRoutes(gatewayKey: string, listenerIndex: number): number {
    return this.#attached.get(gatewayKey)?.get(listenerIndex)?.size ?? 0;
  }

  /** Gateway keys that are ancestors of the policy. */
  ancestors(policy: PolicyState): Iterable<string> {
    return this.#ancestors.get(policy)?.keys() ?? [];
  }

  upstreams(): IterableIterator<Counted<Upstream>> {
    return this.#upstreams.values();
  }

  /** The routes' contributions to one endpoint. */
  group(key: string): readonly RecordedContribution[] | undefined {
    return this.#groups.get(key);
  }

  /** Endpoint keys whose contributions changed since the last call. */
  takeChangedGroups(): Set<string> {
    const changed = this.#changedGroups;
    this.#changedGroups = new Set();
    return changed;
  }

  #apply(routeKey: string, record: RouteRecord, sign: 1 | -1): void {
    for (let i = 0; i < record.diagnostics.length; i++) count(this.#diagnostics, record.diagnosticKeys[i]!, record.diagnostics[i]!, sign);
    for (const { gatewayKey, listenerIndex } of record.attachments) {
      let listeners = this.#attached.get(gatewayKey);
      if (!listeners) this.#attached.set(gatewayKey, (listeners = new Map()));
      let routes = listeners.get(listenerIndex);
      if (!routes) listeners.set(listenerIndex, (routes = new Set()));
      // A route attached twice to one listener (two parentRefs) counts once, and leaves once.
      if (sign > 0) routes.add(routeKey);
      else routes.delete(routeKey);
    }
    for (const a of record.ancestors) {
      for (const policy of this.#policies.targeting(a.namespace, a.name, a.portName)) {
        let gateways = this.#ancestors.get(policy);
        if (!gateways) this.#ancestors.set(policy, (gateways = new Map()));
        const n = (gateways.get(a.gatewayKey) ?? 0) + sign;
        if (n > 0) gateways.set(a.gatewayKey, n);
        else gateways.delete(a.gatewayKey);
      }
    }
    for (const upstream of record.upstreams) count(this.#upstreams, upstream.name, upstream, sign);
    for (const c of record.contributions) {
      this.#changedGroups.add(c.key);
      const group = this.#groups.get(c.key);
      if (sign > 0) {
        if (group) group.push(c);
        else this.#groups.set(c.key, [c]);
      } else if (group) {
        const at = group.indexOf(c);
        if (at >= 0) group.splice(at, 1);
        if (group.length === 0) this.#groups.delete(c.key);
      }
    }
  }
}

function resort<T>(map: Map<string, T>, compare: (a: T, b: T) => number): void {
  const entries = [...map].sort((a, b) => compare(a[1], b[1]));
  map.clear();
  for (const [key, value] of entries) map.set(key, value);
}

function count<T>(map: Map<string, Counted<T>>, key: string, value: T, sign: 1 | -1): void {
  const held = map.get(key);
  if (sign > 0) {
    if (held) held.count++;
    else map.set(key, { value, count: 1 });
  } else if (held && --held.count === 0) map.delete(key);
}
