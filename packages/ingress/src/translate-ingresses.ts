// networking.k8s.io/v1 Ingress -> one endpoint `https://<host>` per rule host, merged across
// Ingresses (oldest first, then namespace/name: on a colliding path or defaultBackend the
// older one wins), plus each Ingress's status. Pure: the only clock is options.now.
import {
  CredentialStore,
  type CertificateInfo,
  type ClusterSnapshot,
  type Endpoint,
  type Ingress,
  type ResourceRef,
  type ResourceStatus,
  type Route,
  type Secret,
  type Service,
  type TranslationResult,
  type Upstream,
} from '@kupstream/core';
import {
  canonicalObjects,
  compareByAge,
  createTranslationResult,
  DiagnosticList,
  identityOf,
  isRecord,
  ObjectAdmission,
  ObjectIndex,
  reportMalformed,
  type Identity,
} from '@kupstream/core/building-blocks';
import { descriptionsDiffer, guardsDiffer, readIngressAnnotations, type IngressEndpointAttributes } from './ingress-annotations.js';
import { backendTlsLookup, type BackendTlsLookup } from '@kupstream/gateway';
import { resolveBackend, type BackendContext, type BackendResolution } from './ingress-backend.js';
import { catalogIngressClasses, decideIngressClass } from './ingress-class.js';
import { checkIngressHost } from './ingress-host.js';

/** The host of a rule without one: every host (the agent's router falls back to it last). */
const CATCH_ALL = '*';
import { translatePath } from './ingress-path.js';
import { ingressStatus } from './ingress-status.js';
import { resolveIngressTls } from './ingress-tls.js';
import { resolveIngressUpstreamIdentity } from './ingress-upstream-tls.js';
import { readNginxUpstreamAnnotations } from './nginx-upstream-annotations.js';
import { resolveIngressOptions, type IngressTranslateOptions, type ResolvedIngressOptions } from './options.js';
import { compareIngressRoutes } from './route-order.js';

const KIND = 'Ingress';
/** What a path whose backend cannot be used answers, as ingress-nginx does. */
export const UNAVAILABLE_BACKEND_STATUS = 503;

interface Claimed<T> {
  value: T;
  owner: ResourceRef;
  field: string;
}

/** Everything the Ingresses say about one host. */
interface HostClaim {
  host: string;
  sources: ResourceRef[];
  createdAt?: string;
  routes: Map<string, Claimed<Route>>;
  defaultRoute?: Claimed<Route> & { upstream: string | undefined };
  certificates: CertificateInfo[];
  /** The first Ingress served on the host; its endpoint settings (annotations) hold. */
  owner?: { ref: ResourceRef; attributes: IngressEndpointAttributes };
}

interface Context {
  options: ResolvedIngressOptions;
  services: ObjectIndex<Service>;
  secrets: ObjectIndex<Secret>;
  credentials: CredentialStore;
  diagnostics: DiagnosticList;
  hosts: Map<string, HostClaim>;
  upstreams: Map<string, Upstream>;
  /** BackendTLSPolicies and ReferenceGrants, evaluated as the Gateway API translator does. */
  lookup: BackendTlsLookup;
}

export function translateIngresses(snapshot: ClusterSnapshot, options?: IngressTranslateOptions): TranslationResult {
  const resolved = resolveIngressOptions(options);
  const input = snapshot ?? {};
  const { defaultNamespace } = resolved;
  const context: Context = {
    options: resolved,
    services: new ObjectIndex<Service>(canonicalObjects(input.services, defaultNamespace), defaultNamespace),
    secrets: new ObjectIndex<Secret>(canonicalObjects(input.secrets, defaultNamespace), defaultNamespace),
    credentials: new CredentialStore(),
    diagnostics: new DiagnosticList(),
    hosts: new Map(),
    upstreams: new Map(),
    lookup: backendTlsLookup(input, options),
  };
  context.credentials.absorb(context.lookup.credentials);
  const { diagnostics } = context;
  const catalog = catalogIngressClasses(input.ingressClasses, resolved, diagnostics);
  const statuses: ResourceStatus[] = [];

  reportMalformed(input.ingresses, KIND, diagnostics);
  const admission = new ObjectAdmission(KIND, 'first in canonical order', diagnostics);
  const ingresses = canonicalObjects<Ingress>(input.ingresses, defaultNamespace)
    .map((object) => ({ object, identity: identityOf(object, defaultNamespace) }))
    .filter(({ identity }) => admission.admit(identity))
    // canonicalObjects already fixed the order of equals; a stable sort keeps it.
    .sort((a, b) => compareByAge(a.identity, b.identity));

  for (const { object, identity } of ingresses) {
    const ref: ResourceRef = { kind: KIND, namespace: identity.namespace, name: identity.name };
    const decision = decideIngressClass(object, catalog, resolved);
    for (const warning of decision.warnings) diagnostics.warning(warning.code, ref, warning.message, warning.field);
    if (!decision.ours) {
      diagnostics.info(decision.code, ref, decision.message, decision.field);
      continue;
    }
    if (decision.note) diagnostics.info(decision.note.code, ref, decision.note.message, decision.note.field);
    if (translateIngress(object, identity, ref, context))
      statuses.push(ingressStatus(identity.namespace, identity.name, resolved.loadBalancerHostnames));
  }

  const endpoints = [...context.hosts.values()].filter((claim) => claim.routes.size > 0 || claim.defaultRoute).map(endpointOf);
  return createTranslationResult(
    { endpoints, upstreams: [...context.upstreams.values()], statuses, diagnostics: diagnostics.items },
    context.credentials,
    resolved.now,
  );
}

/** False when the Ingress is refused as a whole (it then gets no load balancer status). */
function translateIngress(ingress: Ingress, identity: Identity, ref: ResourceRef, context: Context): boolean {
  const { diagnostics } = context;
  const spec = isRecord(ingress.spec) ? ingress.spec : undefined;
  if (!spec) {
    diagnostics.error('IngressSpecMissing', ref, 'spec is required', 'spec');
    return false;
  }
  const annotations = readIngressAnnotations(ingress, identity.namespace);
  for (const note of annotations.notes) diagnostics.add(note.severity, note.code, ref, note.message, note.field);
  if (annotations.blocking !== undefined) return false;
  const admit = admission(ref, annotations.attributes, context);
  const base = `ingress/${identity.namespace}/${identity.name}`;
  const request = readNginxUpstreamAnnotations(ingress, identity.namespace);
  const upstreamIdentity = resolveIngressUpstreamIdentity(request, identity.namespace, {
    secrets: context.secrets,
    lookup: context.lookup,
    now: context.options.now,
    credentials: context.credentials,
  });
  for (const note of [...request.notes, ...upstreamIdentity.notes])
    diagnostics.add(note.severity, note.code, ref, note.message, note.field);
  const backendContext: BackendContext = {
    namespace: identity.namespace,
    services: context.services,
    clusterDomain: context.options.clusterDomain,
    identity: upstreamIdentity,
    lookup: context.lookup,
  };
  const rules: unknown[] = Array.isArray(spec.rules) ? spec.rules : [];
  if (spec.rules !== undefined && spec.rules !== null && !Array.isArray(spec.rules))
    diagnostics.error('IngressRulesInvalid', ref, 'spec.rules must be a list', 'spec.rules');

  const ruleHosts: string[] = [];
  const served = new Set<string>();
  rules.forEach((rule, i) => {
    const field = `spec.rules[${i}]`;
    if (!isRecord(rule)) {
      diagnostics.error('IngressRuleInvalid', ref, `${field} must be an object`, field);
      return;
    }
    // A rule without a host applies to every host: the catch-all endpoint `https://*`.
    const host =
      rule.host === undefined || rule.host === null || rule.host === ''
        ? ({ ok: true, host: CATCH_ALL } as const)
        : checkIngressHost(rule.host);
    if (!host.ok) {
      diagnostics.error('IngressRuleHostInvalid', ref, `${field} ${host.message}`, `${field}.host`);
      return;
    }
    if (!ruleHosts.includes(host.host)) ruleHosts.push(host.host);
    const http = rule.http;
    const paths: unknown[] = isRecord(http) && Array.isArray(http.paths) ? http.paths : [];
    if (paths.length === 0 && (spec.defaultBackend === undefined || spec.defaultBackend === null)) {
      diagnostics.warning(
        'IngressRuleNoPaths',
        ref,
        `${field} has no http.paths and the Ingress has no defaultBackend; host ${host.host} gets nothing from it`,
        `${field}.http`,
      );
    }
    paths.forEach((entry, j) => {
      const at = `${field}.http.paths[${j}]`;
      if (!isRecord(entry)) {
        diagnostics.error('IngressPathInvalid', ref, `${at} must be an object`, at);
        return;
      }
      const path = translatePath(entry.path, entry.pathType);
      if (!path.ok) {
        diagnostics.error(
          path.problem.code,
          ref,
          `${at}: ${path.problem.message}`,
          path.problem.code === 'IngressPathTypeInvalid' ? `${at}.pathType` : `${at}.path`,
        );
        return;
      }
      if (path.warning) diagnostics.warning(path.warning.code, ref, `${at}: ${path.warning.message}`, `${at}.pathType`);
      if (!admit(host.host)) return;
      const claim = claimHost(context, host.host);
      const key = `${path.match.type} ${path.match.value}`;
      const holder = claim.routes.get(key);
      if (holder) {
        const same = holder.owner.namespace === ref.namespace && holder.owner.name === ref.name;
        diagnostics.warning(
          same ? 'IngressPathDuplicate' : 'IngressPathConflict',
          ref,
          `${at}: ${path.match.type} ${path.match.value} on ${host.host} is already routed by ${same ? holder.field : `Ingress ${holder.owner.namespace}/${holder.owner.name} (${holder.field}), which is older or first by namespace/name`}; this path is not served`,
          at,
        );
        return;
      }
      const backend = resolveBackend(entry.backend, `${at}.backend`, backendContext);
      const route = routeFor(`${base}/rule/${i}/path/${j}`, [{ path: path.match }], backend, ref, context);
      claim.routes.set(key, { value: route.route, owner: ref, field: at });
      if (route.upstream) context.upstreams.set(route.upstream.name, route.upstream);
      served.add(host.host);
    });
  });

  if (spec.defaultBackend !== undefined && spec.defaultBackend !== null) {
    const backend = resolveBackend(spec.defaultBackend, 'spec.defaultBackend', backendContext);
    const route = routeFor(`${base}/default-backend`, [], backend, ref, context);
    // Without a rule host the defaultBackend serves every host (the catch-all).
    for (const host of ruleHosts.length > 0 ? ruleHosts : [CATCH_ALL]) {
      if (!admit(host)) continue;
      const claim = claimHost(context, host);
      const holder = claim.defaultRoute;
      if (holder) {
        if (holder.upstream !== undefined && holder.upstream === route.upstream?.name) {
          served.add(host);
          continue;
        }
        diagnostics.warning(
          'IngressDefaultBackendConflict',
          ref,
          `spec.defaultBackend on ${host} conflicts with the defaultBackend of Ingress ${holder.owner.namespace}/${holder.owner.name}, which is older or first by namespace/name; it is not served there`,
          'spec.defaultBackend',
        );
        continue;
      }
      claim.defaultRoute = { value: route.route, owner: ref, field: 'spec.defaultBackend', upstream: route.upstream?.name };
      if (route.upstream) context.upstreams.set(route.upstream.name, route.upstream);
      served.add(host);
    }
  } else if (ruleHosts.length === 0) {
    diagnostics.warning(
      'IngressNoHosts',
      ref,
      'the Ingress has no rule with a valid host and no defaultBackend; nothing is served',
      'spec.rules',
    );
  }

  for (const host of served) {
    const claim = claimHost(context, host);
    claim.sources.push(ref);
    if (claim.createdAt === undefined && identity.creationTimestamp && !Number.isNaN(Date.parse(identity.creationTimestamp)))
      claim.createdAt = identity.creationTimestamp;
  }
  const certificates = resolveIngressTls({
    tls: spec.tls,
    namespace: identity.namespace,
    ref,
    servedHosts: [...served],
    ruleHosts,
    secrets: context.secrets,
    now: context.options.now,
    credentials: context.credentials,
    diagnostics,
  });
  for (const [host, list] of certificates) {
    const claim = claimHost(context, host);
    for (const info of list) {
      if (!claim.certificates.some((c) => c.secret.namespace === info.secret.namespace && c.secret.name === info.secret.name))
        claim.certificates.push(info);
    }
  }
  return true;
}

/**
 * Whether this Ingress may add to a host. The first one served there sets the endpoint's
 * settings; a later one that asks for another traffic policy or binding is refused on that
 * host (serving its paths without its policy could expose them), one that only describes
 * it differently is served with a warning.
 */
function admission(ref: ResourceRef, attributes: IngressEndpointAttributes, context: Context): (host: string) => boolean {
  const reported = new Set<string>();
  return (host) => {
    const claim = claimHost(context, host);
    if (!claim.owner) {
      claim.owner = { ref, attributes };
      return true;
    }
    const owner = claim.owner.ref;
    if (owner.namespace === ref.namespace && owner.name === ref.name) return true;
    const shown = `Ingress ${owner.namespace}/${owner.name}`;
    if (guardsDiffer(claim.owner.attributes, attributes)) {
      if (!reported.has(host)) {
        context.diagnostics.warning(
          'IngressHostSettingsConflict',
          ref,
          `${host} is served by ${shown} (older or first by namespace/name) with another traffic policy or binding; this Ingress's rules for it are not served`,
          'metadata.annotations',
        );
        reported.add(host);
      }
      return false;
    }
    if (descriptionsDiffer(claim.owner.attributes, attributes) && !reported.has(host)) {
      context.diagnostics.warning(
        'IngressDescriptionConflict',
        ref,
        `${host} keeps the description and metadata of ${shown}, which is older or first by namespace/name`,
        'metadata.annotations',
      );
      reported.add(host);
    }
    return true;
  };
}

function routeFor(
  name: string,
  matches: Route['matches'],
  backend: BackendResolution,
  ref: ResourceRef,
  context: Context,
): { route: Route; upstream?: Upstream } {
  for (const note of backend.notes) context.diagnostics.add(note.severity, note.code, note.resource ?? ref, note.message, note.field);
  if (!backend.ok) {
    context.diagnostics.error(backend.code, ref, `${backend.message}; the path answers ${UNAVAILABLE_BACKEND_STATUS}`, backend.field);
    return { route: { name, matches, backends: [], response: { status: UNAVAILABLE_BACKEND_STATUS } } };
  }
  return { route: { name, matches, backends: [{ upstream: backend.upstream.name, weight: 1 }] }, upstream: backend.upstream };
}

function claimHost(context: Context, host: string): HostClaim {
  let claim = context.hosts.get(host);
  if (!claim) context.hosts.set(host, (claim = { host, sources: [], routes: new Map(), certificates: [] }));
  return claim;
}

function endpointOf(claim: HostClaim): Endpoint {
  const routes = [...claim.routes.values()].map((c) => c.value).sort(compareIngressRoutes);
  if (claim.defaultRoute) routes.push(claim.defaultRoute.value);
  const certificates = [...claim.certificates].sort((a, b) =>
    a.secret.namespace < b.secret.namespace
      ? -1
      : a.secret.namespace > b.secret.namespace
        ? 1
        : a.secret.name < b.secret.name
          ? -1
          : a.secret.name > b.secret.name
            ? 1
            : 0,
  );
  const attributes = claim.owner?.attributes ?? {};
  return {
    name: `ingress/${claim.host}`,
    url: `https://${claim.host}`,
    sources: claim.sources,
    routes,
    ...(attributes.bindings ? { bindings: attributes.bindings } : {}),
    ...(attributes.trafficPolicy ? { trafficPolicy: attributes.trafficPolicy } : {}),
    ...(attributes.description !== undefined ? { description: attributes.description } : {}),
    ...(attributes.metadata ? { metadata: attributes.metadata } : {}),
    ...(certificates.length > 0 ? { tls: { certificates } } : {}),
    ...(claim.createdAt !== undefined ? { createdAt: claim.createdAt } : {}),
  };
}
