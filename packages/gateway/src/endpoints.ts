// Endpoints: one per (Gateway, listener, hostname) that routes reach, with every
// contributing route's entries in precedence order. Two Gateways claiming one URL:
// the oldest wins, the other is reported and its listener marked Conflicted.
import { compareByAge, compareRefs, refKey, type Endpoint, type ResourceRef } from '@kupstream/core';
import type { TranslationContext } from './context.js';
import type { RouteContribution } from './http-routes.js';
import { listenerServes, type ListenerState } from './listeners.js';
import { Reason } from './reasons.js';
import { comparePrecedence } from './precedence.js';

const DEFAULT_PORTS = { http: 80, https: 443 } as const;

export function endpointUrl(scheme: 'http' | 'https', hostname: string, port: number): string {
  return `${scheme}://${hostname}${port === DEFAULT_PORTS[scheme] ? '' : `:${port}`}`;
}

export function buildEndpoints(ctx: TranslationContext, contributions: readonly RouteContribution[]): Endpoint[] {
  const groups = new Map<string, RouteContribution[]>();
  for (const c of contributions) {
    if (!listenerServes(c.listener)) continue;
    const list = groups.get(c.key);
    if (list) list.push(c);
    else groups.set(c.key, [c]);
  }
  const byUrl = new Map<string, { endpoint: Endpoint; group: RouteContribution[] }[]>();
  for (const group of groups.values()) {
    const { gateway, listener, hostname, memo } = group[0]!;
    // An endpoint only one route reaches is that route's alone: a kept record keeps it too.
    const only = group.length === 1 ? memo : undefined;
    const endpoint = only?.endpoint ?? buildEndpoint(group);
    if (only) only.endpoint = endpoint;
    const same = byUrl.get(endpoint.url);
    if (same) same.push({ endpoint, group });
    else byUrl.set(endpoint.url, [{ endpoint, group }]);
  }
  const endpoints: Endpoint[] = [];
  const won = new Set<ListenerState>();
  const lost = new Map<ListenerState, string[]>();
  for (const [url, claims] of byUrl) {
    if (claims.length > 1) claims.sort((a, b) => compareByAge(a.group[0]!.gateway.identity, b.group[0]!.gateway.identity) || a.group[0]!.listener.index - b.group[0]!.listener.index);
    const winner = claims[0]!;
    endpoints.push(winner.endpoint);
    won.add(winner.group[0]!.listener);
    for (let i = 1; i < claims.length; i++) {
      const { gateway, listener } = claims[i]!.group[0]!;
      lost.set(listener, [...(lost.get(listener) ?? []), url]);
      ctx.diagnostics.error('EndpointConflict', { ...gateway.ref, section: listener.name },
        `${url} is already served by ${winner.endpoint.name} (older); this listener's routes for it are not served`, `spec.listeners[${listener.index}]`);
    }
  }
  // The losing listeners are marked Conflicted. Programmed is left alone: the Gateway API
  // gives every Gateway its own address, so its conformance expects such listeners to be
  // programmed; the shadowing is a fact of kupstream's shared URL space, said here.
  for (const [listener, urls] of lost) {
    const message = `${urls.join(', ')} ${urls.length > 1 ? 'are' : 'is'} served by an older Gateway${won.has(listener) ? '' : '; this listener serves nothing'}`;
    listener.conflicted ??= { status: true, reason: Reason.HostnameConflict, message };
  }
  return endpoints;
}

function buildEndpoint(group: readonly RouteContribution[]): Endpoint {
  const { gateway, listener, hostname } = group[0]!;
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
    ...(listener.certificates.length > 0 ? { tls: { certificates: listener.certificates } } : {}),
  };
}
