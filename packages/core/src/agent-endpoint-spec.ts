// Reading and validating an AgentEndpoint's spec (ngrok.k8s.ngrok.com/v1alpha1), field by
// field, with the CRD's rules (schema enums, CEL rules). Every violation is a typed
// problem naming the field and the rule; reading never throws.
import { parseEndpointUrl, parseUpstreamUrl, type EndpointUrl, type UpstreamUrl, type UrlProblemCode } from './agent-endpoint-url.js';
import type { UpstreamProtocol } from './model.js';
import { compareStrings, isRecord } from './resource-ref.js';

export type AgentEndpointProblemCode =
  | UrlProblemCode
  | 'SpecMissing'
  | 'UpstreamMissing'
  | 'UpstreamProtocolInvalid'
  | 'ProxyProtocolVersionInvalid'
  | 'TrafficPolicyNotExactlyOne'
  | 'TrafficPolicyInvalid'
  | 'BindingsTooMany'
  | 'BindingInvalid'
  | 'BindingMismatch'
  | 'DescriptionInvalid'
  | 'MetadataInvalid'
  | 'ClientCertificateRefInvalid'
  | 'ClientCertificateRefCrossNamespace'
  | 'TlsTerminationRequiresTlsUrl'
  | 'TlsTerminationInvalid';

/** One violated rule: `message` names the rule, `field` the place. */
export interface AgentEndpointProblem {
  code: AgentEndpointProblemCode;
  field: string;
  message: string;
}

export type AgentEndpointTrafficPolicy =
  { inline: unknown } | { targetRef: { kind: 'NgrokTrafficPolicy'; namespace: string; name: string } };

export interface SecretReference {
  namespace: string;
  name: string;
  /** Where the reference is written, e.g. `spec.clientCertificateRefs[0]`. */
  field: string;
}

export interface AgentEndpointTlsTermination {
  serverCertificate: SecretReference;
  mutualTls?: { clientCAs: SecretReference; mode: 'require' | 'request' };
}

/** The spec, read: each part is present only when it is valid. */
export interface AgentEndpointSpec {
  url?: EndpointUrl;
  upstream?: UpstreamUrl;
  protocol: UpstreamProtocol;
  proxyProtocolVersion?: 1 | 2;
  trafficPolicy?: AgentEndpointTrafficPolicy;
  bindings?: string[];
  description?: string;
  metadata?: Record<string, string>;
  clientCertificateRefs: SecretReference[];
  tlsTermination?: AgentEndpointTlsTermination;
  problems: AgentEndpointProblem[];
}

export const BINDINGS: readonly string[] = ['public', 'internal', 'kubernetes'];

export function readAgentEndpointSpec(spec: unknown, namespace: string): AgentEndpointSpec {
  const out: AgentEndpointSpec = { protocol: 'http1', clientCertificateRefs: [], problems: [] };
  const problem = (code: AgentEndpointProblemCode, field: string, message: string) => out.problems.push({ code, field, message });
  if (!isRecord(spec)) {
    problem('SpecMissing', 'spec', 'spec is required and must be an object with url and upstream');
    return out;
  }

  const url = parseEndpointUrl(spec.url);
  if (url.ok) out.url = url.value;
  else problem(url.problem.code, 'spec.url', `spec.url: ${url.problem.message}`);

  readUpstream(spec.upstream, out, problem);
  readTrafficPolicy(spec.trafficPolicy, namespace, out, problem);
  readBindings(spec.bindings, out, problem);

  if (spec.description !== undefined && spec.description !== null) {
    if (typeof spec.description === 'string') {
      if (spec.description !== '') out.description = spec.description;
    } else problem('DescriptionInvalid', 'spec.description', 'spec.description must be a string');
  }
  readMetadata(spec.metadata, out, problem);
  readClientCertificateRefs(spec.clientCertificateRefs, namespace, out, problem);
  readTlsTermination(spec.tlsTermination, namespace, out, problem);

  if (out.bindings && out.url && out.url.host !== '') {
    const binding = out.bindings[0];
    if (binding === 'internal' && !out.url.internal) {
      problem(
        'BindingMismatch',
        'spec.bindings',
        `spec.bindings "internal" requires a spec.url host ending in ".internal" (got "${out.url.host}")`,
      );
    } else if (binding === 'public' && out.url.internal) {
      problem('BindingMismatch', 'spec.bindings', `spec.bindings "public" cannot be used with the internal host "${out.url.host}"`);
    }
  }
  return out;
}

type Report = (code: AgentEndpointProblemCode, field: string, message: string) => void;

function readUpstream(upstream: unknown, out: AgentEndpointSpec, problem: Report): void {
  if (!isRecord(upstream)) {
    problem('UpstreamMissing', 'spec.upstream', 'spec.upstream is required and must be an object with a url');
    return;
  }
  const url = parseUpstreamUrl(upstream.url);
  if (url.ok) out.upstream = url.value;
  else problem(url.problem.code, 'spec.upstream.url', `spec.upstream.url: ${url.problem.message}`);

  const protocol = upstream.protocol;
  if (protocol === 'http1' || protocol === 'http2') out.protocol = protocol;
  else if (protocol !== undefined && protocol !== null && protocol !== '') {
    problem(
      'UpstreamProtocolInvalid',
      'spec.upstream.protocol',
      `spec.upstream.protocol must be "http1" or "http2", not ${JSON.stringify(protocol) ?? 'undefined'}`,
    );
  }

  const version = upstream.proxyProtocolVersion;
  if (version === '1' || version === '2') out.proxyProtocolVersion = version === '1' ? 1 : 2;
  else if (version !== undefined && version !== null && version !== '') {
    problem(
      'ProxyProtocolVersionInvalid',
      'spec.upstream.proxyProtocolVersion',
      `spec.upstream.proxyProtocolVersion must be the string "1" or "2", not ${JSON.stringify(version) ?? 'undefined'}`,
    );
  }
}

function readTrafficPolicy(policy: unknown, namespace: string, out: AgentEndpointSpec, problem: Report): void {
  if (policy === undefined || policy === null) return;
  const field = 'spec.trafficPolicy';
  if (!isRecord(policy)) {
    problem('TrafficPolicyInvalid', field, `${field} must be an object with inline or targetRef`);
    return;
  }
  const hasInline = policy.inline !== undefined && policy.inline !== null;
  const hasRef = policy.targetRef !== undefined && policy.targetRef !== null;
  if (hasInline === hasRef) {
    problem(
      'TrafficPolicyNotExactlyOne',
      field,
      `exactly one of inline or targetRef must be set on ${field} (${hasInline ? 'both are' : 'neither is'})`,
    );
    return;
  }
  if (hasInline) {
    const inline = jsonCopy(policy.inline);
    if (!isRecord(inline)) {
      problem(
        'TrafficPolicyInvalid',
        `${field}.inline`,
        `${field}.inline must be a traffic policy object (on_http_request, on_tcp_connect, ...)`,
      );
      return;
    }
    out.trafficPolicy = { inline };
    return;
  }
  const ref = policy.targetRef;
  if (!isRecord(ref) || typeof ref.name !== 'string' || ref.name === '') {
    problem(
      'TrafficPolicyInvalid',
      `${field}.targetRef.name`,
      `${field}.targetRef.name must name an NgrokTrafficPolicy in the same namespace`,
    );
    return;
  }
  out.trafficPolicy = { targetRef: { kind: 'NgrokTrafficPolicy', namespace, name: ref.name } };
}

function readBindings(bindings: unknown, out: AgentEndpointSpec, problem: Report): void {
  if (bindings === undefined || bindings === null) return;
  const field = 'spec.bindings';
  if (!Array.isArray(bindings)) {
    problem('BindingInvalid', field, `${field} must be a list with at most one of ${BINDINGS.join(', ')}`);
    return;
  }
  if (bindings.length > 1) {
    problem('BindingsTooMany', field, `${field} may hold at most one binding, not ${bindings.length}`);
    return;
  }
  const binding: unknown = bindings[0];
  if (bindings.length === 0) return;
  if (typeof binding !== 'string' || !BINDINGS.includes(binding)) {
    problem(
      'BindingInvalid',
      `${field}[0]`,
      `${field}[0] must be one of ${BINDINGS.join(', ')}, not ${JSON.stringify(binding) ?? 'undefined'}`,
    );
    return;
  }
  out.bindings = [binding];
}

/** Canonical form is a string map; the legacy form is that map as a JSON string. */
function readMetadata(metadata: unknown, out: AgentEndpointSpec, problem: Report): void {
  if (metadata === undefined || metadata === null || metadata === '') return;
  const field = 'spec.metadata';
  let value: unknown = metadata;
  if (typeof metadata === 'string') {
    try {
      value = JSON.parse(metadata);
    } catch {
      problem('MetadataInvalid', field, `${field} as a string must be a JSON object of string values`);
      return;
    }
  }
  if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    problem('MetadataInvalid', field, `${field} must be a flat map of string keys to string values`);
    return;
  }
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(value).sort(compareStrings)) sorted[key] = value[key] as string;
  if (Object.keys(sorted).length > 0) out.metadata = sorted;
}

/** Same namespace only: a Secret in another namespace is a confused-deputy risk (ngrok PR #826). */
function readClientCertificateRefs(refs: unknown, namespace: string, out: AgentEndpointSpec, problem: Report): void {
  if (refs === undefined || refs === null) return;
  const field = 'spec.clientCertificateRefs';
  if (!Array.isArray(refs)) {
    problem('ClientCertificateRefInvalid', field, `${field} must be a list of {name} Secret references`);
    return;
  }
  refs.forEach((ref: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(ref) || typeof ref.name !== 'string' || ref.name === '') {
      problem('ClientCertificateRefInvalid', `${at}.name`, `${at}.name must name a kubernetes.io/tls Secret`);
      return;
    }
    if (ref.namespace !== undefined && ref.namespace !== null && ref.namespace !== namespace) {
      problem(
        'ClientCertificateRefCrossNamespace',
        `${at}.namespace`,
        `${at} refers to namespace ${JSON.stringify(ref.namespace)}; client certificate Secrets must be in the AgentEndpoint's own namespace "${namespace}"`,
      );
      return;
    }
    out.clientCertificateRefs.push({ namespace, name: ref.name, field: at });
  });
}

function readTlsTermination(termination: unknown, namespace: string, out: AgentEndpointSpec, problem: Report): void {
  if (termination === undefined || termination === null) return;
  const field = 'spec.tlsTermination';
  if (!isRecord(termination)) {
    problem('TlsTerminationInvalid', field, `${field} must be an object with serverCertificateRef`);
    return;
  }
  if (out.url && out.url.scheme !== 'tls') {
    problem('TlsTerminationRequiresTlsUrl', 'spec.url', `spec.url must be a tls:// URL when ${field} is set (got ${out.url.url})`);
  }
  const server = termination.serverCertificateRef;
  if (!isRecord(server) || typeof server.name !== 'string' || server.name === '') {
    problem(
      'TlsTerminationInvalid',
      `${field}.serverCertificateRef.name`,
      `${field}.serverCertificateRef.name is required: a kubernetes.io/tls Secret in the same namespace`,
    );
    return;
  }
  const parsed: AgentEndpointTlsTermination = {
    serverCertificate: { namespace, name: server.name, field: `${field}.serverCertificateRef` },
  };
  const mtls = termination.mutualTLS;
  if (mtls !== undefined && mtls !== null) {
    const at = `${field}.mutualTLS`;
    if (!isRecord(mtls) || !isRecord(mtls.clientCAsRef) || typeof mtls.clientCAsRef.name !== 'string' || mtls.clientCAsRef.name === '') {
      problem(
        'TlsTerminationInvalid',
        `${at}.clientCAsRef.name`,
        `${at}.clientCAsRef.name is required: a Secret in the same namespace with key ca.crt`,
      );
      return;
    }
    const mode = mtls.mode ?? 'require';
    if (mode !== 'require' && mode !== 'request') {
      problem(
        'TlsTerminationInvalid',
        `${at}.mode`,
        `${at}.mode must be "require" or "request", not ${JSON.stringify(mode) ?? 'undefined'}`,
      );
      return;
    }
    parsed.mutualTls = { clientCAs: { namespace, name: mtls.clientCAsRef.name, field: `${at}.clientCAsRef` }, mode };
  }
  out.tlsTermination = parsed;
}

/** A detached copy of JSON data (the output must not share objects with the input). */
function jsonCopy(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}
