// @kupstream/core/building-blocks: what the translators share to build the model, for
// writing a translator of your own or checking values the way kupstream does: object
// admission and metadata, references and ordering, conditions and diagnostics, Secrets and
// certificates, Service protocol rules and upstreams, TLS parameters, wire values, traffic
// annotations, and the parts of the AgentEndpoint translator. Hosts need the root entry only.

// Objects: admission, metadata, references, canonical order and indexes.
export type { DuplicateRule } from './admission.js';
export { ObjectAdmission, reportMalformed, AdmissionCode } from './admission.js';
export type { Identity } from './object-meta.js';
export { identityOf, annotationsOf, labelsOf, compareByAge } from './object-meta.js';
export { refOf, refKey, compareRefs, compareStrings, isRecord } from './resource-ref.js';
export { ObjectIndex, canonicalObjects } from './object-index.js';

// Results: options resolved, canonical order, conditions and diagnostics.
export type { ResolvedTranslateOptions } from './options.js';
export { resolveTranslateOptions } from './options.js';
export { createTranslationResult, compareEndpoints, compareStatuses } from './result.js';
export { makeCondition, metaTime } from './conditions.js';
export { DiagnosticList, compareDiagnostics } from './diagnostics.js';
export { canonicalJson } from './canonical-json.js';
export { endpointUrlKey } from './merge.js';

// Secrets and certificates.
export type { SecretProblem, SecretProblemCode, SecretValue, TlsSecretResult } from './secrets.js';
export { readTlsSecret, readObjectValue, decodeBase64, privateKeyEntries, TLS_SECRET_TYPE } from './secrets.js';
export type {
  CertificateProblem,
  CertificateProblemCode,
  CertificateFacts,
  KeyPairCheck,
  CertificatePurpose,
  CaBundleCheck,
  KeyPairInspection,
  CaBundleInspection,
  CertificateInspector,
} from './certificates.js';
export {
  checkKeyPair,
  checkCaBundle,
  parseCertificates,
  certificateFacts,
  formatName,
  MIN_RSA_BITS,
  EXPIRY_WARNING_DAYS,
} from './certificates.js';
export { CertificateCache } from './certificate-cache.js';
export type { ResolvedCertificate, UnresolvedCertificate } from './client-certificate.js';
export { resolveKeyPairSecret } from './client-certificate.js';

// Services: protocol rules, upstreams, traffic annotations.
export type { ServiceProblem, PortReference, PortLookup, SchemeDecision } from './service-protocol.js';
export {
  findServicePort,
  schemeForPort,
  protocolForPort,
  APP_PROTOCOLS_ANNOTATION,
  LEGACY_APP_PROTOCOLS_ANNOTATION,
} from './service-protocol.js';
export type { ServiceUpstreamSpec } from './service-upstream.js';
export { buildServiceUpstream, serviceUpstreamName, serviceHost, alpnFor } from './service-upstream.js';
export type { TrafficDecision, TrafficProblem } from './service-traffic.js';
export { trafficForService, parseStatusRanges, TRAFFIC_ANNOTATIONS } from './service-traffic.js';
export { durationMs } from './duration.js';

// Values that reach TLS handshakes and the wire.
export type { TlsParameters, TlsParameterCheck } from './tls-parameters.js';
export {
  TLS_PARAMETER_DEFAULTS,
  parseTlsVersion,
  checkVersionRange,
  checkCipherList,
  parseAlpnList,
  parseVerifyDepth,
  describeTlsParameters,
} from './tls-parameters.js';
export type { WireProblem } from './wire-values.js';
export { headerNameProblem, headerValueProblem, wirePath, PROXY_HOP_HEADER } from './wire-values.js';

// The AgentEndpoint translator's parts: URLs, the spec, its upstream and status.
export type { EndpointScheme, UrlProblemCode, UrlProblem, UrlParse, EndpointUrl, UpstreamUrl } from './agent-endpoint-url.js';
export { parseEndpointUrl, parseUpstreamUrl, sniHost } from './agent-endpoint-url.js';
export type {
  AgentEndpointProblemCode,
  AgentEndpointProblem,
  AgentEndpointTrafficPolicy,
  AgentEndpointTlsTermination,
  AgentEndpointSpec,
  SecretReference,
} from './agent-endpoint-spec.js';
export { readAgentEndpointSpec, BINDINGS } from './agent-endpoint-spec.js';
export type { AgentUpstreamSpec } from './agent-endpoint-upstream.js';
export { buildAgentUpstream, agentUpstreamName } from './agent-endpoint-upstream.js';
export type { AgentEndpointStatusInput } from './agent-endpoint-status.js';
export { agentEndpointStatus } from './agent-endpoint-status.js';
