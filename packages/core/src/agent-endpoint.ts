// AgentEndpoint (ngrok.k8s.ngrok.com/v1alpha1) -> one endpoint with one catch-all route to
// one upstream, plus the AgentEndpoint's status. Pure: the only clock is options.now.
import { resolveClientCertificates, resolveTlsTermination, type CredentialProblem } from './agent-endpoint-credentials.js';
import { readAgentEndpointSpec, type AgentEndpointSpec } from './agent-endpoint-spec.js';
import { agentEndpointStatus } from './agent-endpoint-status.js';
import { ObjectAdmission, reportMalformed } from './admission.js';
import { buildAgentUpstream } from './agent-endpoint-upstream.js';
import { CredentialStore } from './credential-store.js';
import { DiagnosticList } from './diagnostics.js';
import { mergeResults } from './merge.js';
import type { AgentEndpoint, Secret } from './kube-objects.js';
import type { CertificateInfo, Endpoint, ResourceRef, ResourceStatus, Upstream } from './model.js';
import { canonicalObjects, ObjectIndex } from './object-index.js';
import { identityOf, type Identity } from './object-meta.js';
import { resolveTranslateOptions, type TranslateOptions } from './options.js';
import { createTranslationResult, type TranslationResult } from './result.js';
import type { ClusterSnapshot } from './snapshot.js';

const KIND = 'AgentEndpoint';

export function translateAgentEndpoints(snapshot: ClusterSnapshot, options?: TranslateOptions): TranslationResult {
  const { now, defaultNamespace } = resolveTranslateOptions(options);
  const input = snapshot ?? {};
  const secrets = new ObjectIndex<Secret>(canonicalObjects(input.secrets, defaultNamespace), defaultNamespace);
  const credentials = new CredentialStore();
  const diagnostics = new DiagnosticList();
  const endpoints: Endpoint[] = [];
  const upstreams: Upstream[] = [];
  const statuses: ResourceStatus[] = [];

  reportMalformed(input.agentEndpoints, KIND, diagnostics);
  const admission = new ObjectAdmission(KIND, 'first in canonical order', diagnostics);
  for (const object of canonicalObjects<AgentEndpoint>(input.agentEndpoints, defaultNamespace)) {
    const identity = identityOf(object, defaultNamespace);
    const ref: ResourceRef = { kind: KIND, namespace: identity.namespace, name: identity.name };
    if (!admission.admit(identity)) continue;
    const translated = translateOne(object, identity, ref, secrets, now, credentials, diagnostics);
    statuses.push(translated.status);
    if (translated.endpoint && translated.upstream) {
      endpoints.push(translated.endpoint);
      upstreams.push(translated.upstream);
    }
  }
  // Two AgentEndpoints claiming one URL are resolved as across translators: oldest wins.
  return mergeResults(createTranslationResult({ endpoints, upstreams, statuses, diagnostics: diagnostics.items }, credentials, now));
}

interface Translated {
  status: ResourceStatus;
  endpoint?: Endpoint;
  upstream?: Upstream;
}

function translateOne(
  object: AgentEndpoint,
  identity: Identity,
  ref: ResourceRef,
  secrets: ObjectIndex<Secret>,
  now: Date,
  credentials: CredentialStore,
  diagnostics: DiagnosticList,
): Translated {
  const spec = readAgentEndpointSpec(object.spec, identity.namespace);
  const errors: string[] = [];
  for (const problem of spec.problems) {
    diagnostics.error(problem.code, ref, problem.message, problem.field);
    errors.push(problem.message);
  }
  const trafficPolicyError = spec.problems.find((p) => p.field.startsWith('spec.trafficPolicy'))?.message;
  const status = (all: string[]) =>
    agentEndpointStatus({
      namespace: identity.namespace,
      name: identity.name,
      generation: identity.generation,
      errors: all,
      trafficPolicy: spec.trafficPolicy,
      trafficPolicyError,
      now,
    });

  // The schema and CEL rules would have rejected the object: no endpoint, as in ngrok.
  if (errors.length > 0 || !spec.url || !spec.upstream) return { status: status(errors) };

  const certificates = resolveClientCertificates(spec.clientCertificateRefs, secrets, now, credentials);
  const termination = spec.tlsTermination ? resolveTlsTermination(spec.tlsTermination, secrets, now, credentials) : undefined;
  const report = (items: CredentialProblem[], severity: 'error' | 'warning') => {
    for (const item of items) diagnostics.add(severity, item.code, ref, item.message, item.field);
  };
  report(certificates.problems, 'error');
  report(certificates.warnings, 'warning');
  report(termination?.problems ?? [], 'error');
  report(termination?.warnings ?? [], 'warning');
  const credentialErrors = [...certificates.problems, ...(termination?.problems ?? [])].map((p) => p.message);

  // A termination that cannot be set up must not serve with a missing certificate.
  if (termination && termination.problems.length > 0) return { status: status(credentialErrors) };
  // A client certificate that cannot be set up keeps the endpoint, whose upstream is never dialed.
  const upstream = upstreamFor(spec, certificates.presented, certificates.problems, ref, diagnostics);
  const endpoint = endpointFor(spec, identity, ref, upstream.name, termination?.tls);
  if (spec.url.host === '') {
    diagnostics.info(
      'EndpointUrlAssigned',
      ref,
      `${spec.url.url} asks ngrok to assign the address; no host is known until then, so nothing routes to it by Host header`,
      'spec.url',
    );
  }
  return { status: status(credentialErrors), endpoint, upstream };
}

function upstreamFor(
  spec: AgentEndpointSpec,
  presented: CertificateInfo | undefined,
  problems: CredentialProblem[],
  ref: ResourceRef,
  diagnostics: DiagnosticList,
): Upstream {
  const url = spec.upstream!;
  const tls = url.scheme === 'https' || url.scheme === 'tls';
  const first = spec.clientCertificateRefs[0];
  if (tls) {
    diagnostics.warning(
      'UpstreamNotVerified',
      ref,
      `${url.scheme} upstream ${url.host}:${url.port} is encrypted but its certificate is not verified; an AgentEndpoint cannot name a CA`,
      'spec.upstream.url',
    );
  } else if (first) {
    diagnostics.warning(
      'ClientCertificateUnused',
      ref,
      `spec.clientCertificateRefs are only presented to https:// and tls:// upstreams; ${url.url} is not encrypted`,
      'spec.clientCertificateRefs',
    );
  }
  return buildAgentUpstream({
    url,
    protocol: spec.protocol,
    ...(spec.proxyProtocolVersion ? { proxyProtocolVersion: spec.proxyProtocolVersion } : {}),
    // A plain upstream ignores a good certificate; a bad one still fails the endpoint, as in ngrok.
    ...(first && (tls || problems.length > 0) ? { clientCertificateSecret: { namespace: first.namespace, name: first.name } } : {}),
    ...(tls && presented ? { clientCertificate: presented } : {}),
    ...(problems.length > 0
      ? { unavailable: { code: problems[0]!.code, reason: `client certificate unavailable: ${problems.map((p) => p.message).join('; ')}` } }
      : {}),
  });
}

function endpointFor(spec: AgentEndpointSpec, identity: Identity, ref: ResourceRef, upstream: string, tls: Endpoint['tls']): Endpoint {
  const name = `agentendpoint/${identity.namespace}/${identity.name}`;
  return {
    name,
    url: spec.url!.url,
    sources: [ref],
    routes: [{ name: `${name}/upstream`, matches: [], backends: [{ upstream, weight: 1 }] }],
    ...(spec.bindings ? { bindings: spec.bindings } : {}),
    ...(spec.trafficPolicy ? { trafficPolicy: spec.trafficPolicy } : {}),
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ...(spec.metadata ? { metadata: spec.metadata } : {}),
    ...(tls ? { tls } : {}),
    ...(identity.creationTimestamp && !Number.isNaN(Date.parse(identity.creationTimestamp))
      ? { createdAt: identity.creationTimestamp }
      : {}),
  };
}
