// Endpoints: one per (Gateway, listener, hostname) that routes reach, with every
// contributing route's entries in precedence order. Two Gateways claiming one URL:
// the oldest wins, the other is reported and its listener marked Conflicted.
import type { Endpoint, ResourceRef } from '@kupstream/core';
import { compareByAge, compareRefs, compareStrings, refKey, type DiagnosticList } from '@kupstream/core/building-blocks';
import type { GatewayState } from './gateways.js';
import type { RecordedContribution } from './http-routes.js';
import { listenerServes, type ListenerScheme, type ListenerState } from './listeners.js';
import { Reason } from './reasons.js';
import { comparePrecedence } from './precedence.js';
import type { RouteAggregate } from './route-aggregate.js';
import type { ConditionSpec } from './status.js';

/** Ports left out of endpoint URLs; tcp:// URLs always carry theirs. */
const DEFAULT_PORTS: Record<ListenerScheme, number | undefined> = { http: 80, https: 443, tls: 443, tcp: undefined };

export function endpointUrl(scheme: ListenerScheme, hostname: string, port: number): string {
  return `${scheme}://${hostname}${port === DEFAULT_PORTS[scheme] ? '' : `:${port}`}`;
}

/** An endpoint built for one (Gateway, listener, hostname), claiming its URL. */
interface Claim {
  endpoint: Endpoint;
  gateway: GatewayState;
  listener: ListenerState;
}

/**
 * The endpoints the routes' contributions make, kept so that only endpoints whose
 * contributions changed are rebuilt, and the URLs they claim re-decided.
 */
export class EndpointTable {
  /** Endpoint key -> its claim (listeners that serve only). */
  readonly #claims = new Map<string, Claim>();
  /** URL -> the claims on it (mostly one). */
  readonly #byUrl = new Map<string, Claim[]>();
  readonly #winners = new Map<string, Claim>();
  /** URLs more than one endpoint claims. */
  readonly #contested = new Set<string>();
  /** Upstream name -> how many backends (and request mirrors) of served endpoints route to it. */
  readonly #used = new Map<string, number>();

  /** Rebuilds the endpoints of `changed` keys from the routes' current contributions. */
  update(routes: RouteAggregate, changed: Iterable<string>, gateways: ReadonlyMap<string, GatewayState>): void {
    const first = this.#winners.size === 0;
    const urls = new Set<string>();
    for (const key of changed) {
      const before = this.#claims.get(key);
      if (before) {
        this.#claims.delete(key);
        const claims = this.#byUrl.get(before.endpoint.url)!;
        claims.splice(claims.indexOf(before), 1);
        urls.add(before.endpoint.url);
      }
      const group = routes.group(key);
      const claim = group ? claimOf(group, gateways) : undefined;
      if (!claim) continue;
      this.#claims.set(key, claim);
      const claims = this.#byUrl.get(claim.endpoint.url);
      if (claims) claims.push(claim);
      else this.#byUrl.set(claim.endpoint.url, [claim]);
      urls.add(claim.endpoint.url);
    }
    for (const url of urls) {
      const claims = this.#byUrl.get(url)!;
      if (claims.length === 0) this.#byUrl.delete(url);
      if (claims.length > 1) this.#contested.add(url);
      else this.#contested.delete(url);
      const before = this.#winners.get(url);
      const winner = claims.length > 1 ? ranked(claims)[0] : claims[0];
      if (winner === before) continue;
      if (before) this.#countUsed(before.endpoint, -1);
      if (winner) {
        this.#countUsed(winner.endpoint, 1);
        this.#winners.set(url, winner);
      } else this.#winners.delete(url);
    }
    // The first fill in URL order: the map keeps it for URLs that stay, so results arrive nearly sorted.
    if (first) {
      const sorted = [...this.#winners].sort((a, b) => compareStrings(a[0], b[0]));
      this.#winners.clear();
      for (const [url, claim] of sorted) this.#winners.set(url, claim);
    }
  }

  /** The endpoints served: for each URL, the claim of the oldest Gateway. */
  endpoints(): Endpoint[] {
    return Array.from(this.#winners.values(), (claim) => claim.endpoint);
  }

  /** Whether a served endpoint routes to the upstream. */
  uses(upstreamName: string): boolean {
    return this.#used.has(upstreamName);
  }

  /**
   * The listeners whose URLs an older Gateway serves, with their Conflicted condition, and
   * an EndpointConflict diagnostic per lost URL. Programmed is left alone: the Gateway API
   * gives every Gateway its own address, so its conformance expects such listeners to be
   * programmed; the shadowing is a fact of kupstream's shared URL space, said here.
   */
  conflicts(diagnostics: DiagnosticList): Map<ListenerState, ConditionSpec> {
    const won = new Set<ListenerState>();
    const lost = new Map<ListenerState, string[]>();
    for (const url of [...this.#contested].sort(compareStrings)) {
      const [winner, ...losers] = ranked(this.#byUrl.get(url)!);
      won.add(winner!.listener);
      for (const { gateway, listener } of losers) {
        lost.set(listener, [...(lost.get(listener) ?? []), url]);
        diagnostics.error(
          'EndpointConflict',
          { ...gateway.ref, section: listener.name },
          `${url} is already served by ${winner!.endpoint.name} (older); this listener's routes for it are not served`,
          `spec.listeners[${listener.index}]`,
        );
      }
    }
    const conflicted = new Map<ListenerState, ConditionSpec>();
    for (const [listener, urls] of lost) {
      const message = `${urls.join(', ')} ${urls.length > 1 ? 'are' : 'is'} served by an older Gateway${won.has(listener) ? '' : '; this listener serves nothing'}`;
      conflicted.set(listener, { status: true, reason: Reason.HostnameConflict, message });
    }
    return conflicted;
  }

  #countUsed(endpoint: Endpoint, sign: 1 | -1): void {
    for (const route of endpoint.routes) {
      const mirrors = (route.filters ?? []).flatMap((f) => (f.type === 'RequestMirror' ? [f.requestMirror] : []));
      for (const { upstream } of [...route.backends, ...mirrors]) {
        const n = (this.#used.get(upstream) ?? 0) + sign;
        if (n > 0) this.#used.set(upstream, n);
        else this.#used.delete(upstream);
      }
    }
  }
}

/** Claims of one URL, the oldest Gateway's first (then the lower listener index). */
function ranked(claims: readonly Claim[]): Claim[] {
  const list = [...claims];
  if (list.length > 1) list.sort((a, b) => compareByAge(a.gateway.identity, b.gateway.identity) || a.listener.index - b.listener.index);
  return list;
}

function claimOf(contributions: readonly RecordedContribution[], gateways: ReadonlyMap<string, GatewayState>): Claim | undefined {
  const first = contributions[0];
  const gateway = first && gateways.get(first.gatewayKey);
  const listener = gateway?.listeners[first!.listenerIndex];
  if (!gateway || !listener || !listenerServes(listener)) return undefined;
  // An endpoint only one route reaches is that route's alone: a kept record keeps it too.
  const only = contributions.length === 1 ? first! : undefined;
  const endpoint = only?.endpoint ?? buildEndpoint(gateway, listener, first!.hostname, contributions);
  if (only) only.endpoint = endpoint;
  return { endpoint, gateway, listener };
}

function buildEndpoint(gateway: GatewayState, listener: ListenerState, hostname: string, group: readonly RecordedContribution[]): Endpoint {
  const sources = new Map<string, ResourceRef>();
  for (const c of group) sources.set(refKey(c.source), c.source);
  // A route reaching one listener through two parentRefs contributes its entries once.
  const unique = new Map(group.flatMap((c) => c.entries).map((e) => [e.route.name, e] as const));
  const entries = [...unique.values()].sort((a, b) => comparePrecedence(a.rank, b.rank));
  return {
    name: `${gateway.identity.namespace}/${gateway.identity.name}/${listener.name}/${hostname}`,
    url: endpointUrl(listener.scheme, hostname, listener.port),
    sources: [{ ...gateway.ref, section: listener.name }, ...[...sources.values()].sort(compareRefs)],
    routes: entries.map((e) => e.route),
    ...(listener.certificates.length > 0
      ? {
          tls: {
            certificates: listener.certificates,
            serverName: listener.hostname ?? '*',
            ...(listener.clientVerification ? { clientVerification: listener.clientVerification } : {}),
          },
        }
      : {}),
  };
}
