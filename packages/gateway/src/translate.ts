// The pure translation: snapshot in, model + statuses + diagnostics out.
import { compareByAge, createTranslationResult, identityOf, type ClusterSnapshot, type ResourceStatus, type TranslationResult, type Upstream } from '@kupstream/core';
import type { Gateway, HTTPRoute } from '@kupstream/gateway-api-types';
import { BackendTlsPolicyIndex } from './backend-tls-policy.js';
import { canonicalObjects } from './canonical-order.js';
import { createContext } from './context.js';
import { buildEndpoints } from './endpoints.js';
import { selectGatewayClasses } from './gateway-classes.js';
import { buildGateway, gatewayStatus, type GatewayState } from './gateways.js';
import { translateHttpRoute, type RouteContribution } from './http-routes.js';
import { backendTlsPolicyStatus } from './policy-status.js';
import { resolveGatewayOptions, type GatewayTranslateOptions } from './options.js';

export function translateGatewayApi(snapshot: ClusterSnapshot, options: GatewayTranslateOptions = {}): TranslationResult {
  const ctx = createContext(isObject(snapshot) ? snapshot : {}, resolveGatewayOptions(options));
  const ns = ctx.options.defaultNamespace;
  const input = isObject(snapshot) ? snapshot : {};
  const classes = selectGatewayClasses(ctx, canonicalObjects(input.gatewayClasses, ns));
  const statuses: ResourceStatus[] = [...classes.statuses];

  const allGateways = canonicalObjects<Gateway>(input.gateways, ns);
  const existing = new Set<string>();
  const ours = new Map<string, GatewayState>();
  for (const gateway of sortByAge(allGateways, ns)) {
    const { namespace, name } = identityOf(gateway, ns);
    const key = `${namespace}/${name}`;
    if (!name) {
      ctx.diagnostics.error('ObjectNameMissing', { kind: 'Gateway', namespace, name }, 'metadata.name is required; the Gateway is skipped', 'metadata.name');
      continue;
    }
    if (existing.has(key)) {
      ctx.diagnostics.error('DuplicateObject', { kind: 'Gateway', namespace, name }, 'the input holds this Gateway more than once; the oldest is used');
      continue;
    }
    existing.add(key);
    const className = typeof gateway.spec?.gatewayClassName === 'string' ? gateway.spec.gatewayClassName : '';
    const ref = { kind: 'Gateway', namespace, name };
    if (!className) {
      ctx.diagnostics.error('GatewayClassMissing', ref, 'spec.gatewayClassName is required', 'spec.gatewayClassName');
      continue;
    }
    if (!classes.isOurs(className)) {
      ctx.diagnostics.info('GatewayNotOurs', ref, `GatewayClass "${className}" is not handled by ${ctx.options.controllerName}`, 'spec.gatewayClassName');
      continue;
    }
    if (classes.assumed) {
      ctx.diagnostics.info('GatewayClassAssumed', ref, `no GatewayClass objects in the input: class "${className}" is taken as this controller's`, 'spec.gatewayClassName');
    }
    ours.set(key, buildGateway(ctx, gateway));
  }

  const policies = new BackendTlsPolicyIndex(ctx, canonicalObjects(input.backendTLSPolicies, ns));
  const upstreams = new Map<string, Upstream>();
  const contributions: RouteContribution[] = [];
  const lookup = { exists: (n: string, name: string) => existing.has(`${n}/${name}`), ours: (n: string, name: string) => ours.get(`${n}/${name}`) };
  const seenRoutes = new Set<string>();
  for (const route of sortByAge(canonicalObjects<HTTPRoute>(input.httpRoutes, ns), ns)) {
    const { namespace, name } = identityOf(route, ns);
    if (!name) {
      ctx.diagnostics.error('ObjectNameMissing', { kind: 'HTTPRoute', namespace, name }, 'metadata.name is required; the HTTPRoute is skipped', 'metadata.name');
      continue;
    }
    if (seenRoutes.has(`${namespace}/${name}`)) {
      ctx.diagnostics.error('DuplicateObject', { kind: 'HTTPRoute', namespace, name }, 'the input holds this HTTPRoute more than once; the oldest is used');
      continue;
    }
    seenRoutes.add(`${namespace}/${name}`);
    const outcome = translateHttpRoute(ctx, route, lookup, policies, upstreams);
    if (outcome.status) statuses.push(outcome.status);
    contributions.push(...outcome.contributions);
  }

  const endpoints = buildEndpoints(ctx, contributions);
  // Only upstreams some served endpoint routes to (not those of unprogrammed listeners or lost URLs).
  const used = new Set(endpoints.flatMap((e) => e.routes.flatMap((r) => r.backends.map((b) => b.upstream))));
  for (const gateway of ours.values()) statuses.push(gatewayStatus(ctx, gateway));
  for (const policy of policies.policies) {
    const status = backendTlsPolicyStatus(ctx, policy, ours);
    if (status) statuses.push(status);
  }
  return createTranslationResult({ endpoints, upstreams: [...upstreams.values()].filter((u) => used.has(u.name)), statuses, diagnostics: ctx.diagnostics.items }, ctx.credentials);
}

function sortByAge<T>(objects: T[], ns: string): T[] {
  return objects.map((object) => ({ object, identity: identityOf(object, ns) })).sort((a, b) => compareByAge(a.identity, b.identity)).map((e) => e.object);
}

function isObject(value: unknown): value is ClusterSnapshot {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
