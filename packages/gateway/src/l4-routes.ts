// TLSRoute and TCPRoute: routes that carry bytes, not requests. A TCP listener's port, or a
// TLS listener's SNI hostname, forwards to the rule's weighted backends. On a Passthrough
// listener the client's TLS reaches the backend untouched; on a Terminate listener, and for
// TCP, kupstream originates TLS when the Service port or a BackendTLSPolicy says so, with the
// Gateway's client certificate. Attachment, status and recording are the HTTPRoute ones.
import type { ResourceRef, Route, Upstream } from '@kupstream/core';
import { isRecord, type Identity } from '@kupstream/core/building-blocks';
import { resolveBackendRef, unavailableUpstream, upstreamFor, type PolicyLookup, type UpstreamUse } from './backends.js';
import type { TranslationContext } from './context.js';
import type { GatewayState } from './gateways.js';
import { listField, type RouteEntry, type RouteKindRules, type RuleState } from './http-routes.js';
import type { ListenerState } from './listeners.js';
import { Reason } from './reasons.js';

export const TLS_ROUTE_RULES: RouteKindRules = {
  kind: 'TLSRoute',
  hostnames: true,
  readRules: (ctx, value, ref) => readL4Rules(ctx, value, ref),
  buildEntries: (ctx, rules, identity, gateway, listener, policies, offered) =>
    buildL4Entries(ctx, rules, identity, gateway, policies, offered, {
      prefix: 'tlsroute',
      use: listener.tlsMode === 'Passthrough' ? 'passthrough' : 'stream',
    }),
  listenerVariant: (listener: ListenerState) => listener.tlsMode ?? '',
};

export const TCP_ROUTE_RULES: RouteKindRules = {
  kind: 'TCPRoute',
  hostnames: false,
  readRules: (ctx, value, ref) => readL4Rules(ctx, value, ref),
  buildEntries: (ctx, rules, identity, gateway, _listener, policies, offered) =>
    buildL4Entries(ctx, rules, identity, gateway, policies, offered, { prefix: 'tcproute', use: 'stream' }),
};

/**
 * The rules of an L4 route: a connection carries no request to match, so only the first
 * rule is served (the others are reported); a route without rules has no backend.
 */
function readL4Rules(ctx: TranslationContext, value: unknown, ref: ResourceRef): RuleState[] {
  const listed = listField(ctx, value, ref, 'spec.rules');
  if (listed.length > 1)
    ctx.diagnostics.warning(
      'RouteRulesIgnored',
      ref,
      `a connection has nothing to match rules by: only rule 0 of ${listed.length} is served`,
      'spec.rules',
    );
  const rule = listed[0] ?? {};
  const state: RuleState = { index: 0, matches: [], filters: [], backends: [], backendFilters: [], mirrors: [] };
  if (!isRecord(rule)) {
    const message = 'rule 0 is dropped: expected an object';
    ctx.diagnostics.error('RouteRuleInvalid', ref, message, 'spec.rules[0]');
    state.dropped = { reason: Reason.UnsupportedValue, message };
    return [state];
  }
  listField(ctx, rule.backendRefs, ref, 'spec.rules[0].backendRefs').forEach((backendRef, k) => {
    state.backends.push(resolveBackendRef(ctx, backendRef, ref, `spec.rules[0].backendRefs[${k}]`, 'l4'));
  });
  if (state.backends.length === 0)
    ctx.diagnostics.warning('RouteNoBackends', ref, 'spec.rules[0].backendRefs is empty: connections are closed', 'spec.rules[0]');
  return [state];
}

function buildL4Entries(
  ctx: TranslationContext,
  rules: RuleState[],
  identity: Identity,
  gateway: GatewayState,
  policies: PolicyLookup,
  offered: Upstream[],
  shape: { prefix: string; use: UpstreamUse },
): RouteEntry[] {
  const entries: RouteEntry[] = [];
  const clientCertificate = gateway.clientCertificate.certificate;
  for (const rule of rules) {
    if (rule.dropped) continue;
    const candidates: Upstream[] = [];
    const backends: Route['backends'] = [];
    let resolvedWeight = 0;
    for (const backend of rule.backends) {
      if (backend.weight === 0) continue;
      let upstream: Upstream | undefined;
      if (backend.ok) {
        upstream = upstreamFor(ctx, backend, {
          policies,
          gatewayKey: gateway.key,
          use: shape.use,
          ...(clientCertificate ? { clientCertificate } : {}),
        });
        resolvedWeight += backend.weight;
      } else if (backend.target) upstream = unavailableUpstream(ctx, { ...backend, target: backend.target }, 'l4');
      if (!upstream) continue;
      candidates.push(upstream);
      backends.push({ upstream: upstream.name, weight: backend.weight });
    }
    // No backend to dial: the connection is refused (the L4 form of the Gateway API's 500).
    const refused = resolvedWeight === 0;
    if (!refused) for (const candidate of candidates) offered.push(candidate);
    const route: Route = {
      name: `${shape.prefix}/${identity.namespace}/${identity.name}/rule/${rule.index}`,
      matches: [],
      backends: refused ? [] : backends,
      ...(refused ? { response: { status: 500 } } : {}),
    };
    entries.push({ route, rank: { match: {}, route: identity, ruleIndex: rule.index, matchIndex: 0 } });
  }
  return entries;
}
