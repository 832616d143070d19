export type * from './model.js';
export type * from './kube-objects.js';
export type { ClusterSnapshot } from './snapshot.js';
export { snapshotKeyFor } from './snapshot.js';
export type { SnapshotKey, SnapshotObject, ResourceKind, ResourceKindSpec, TranslatorName, ResourceReader } from './resources.js';
export {
  RESOURCE_KINDS,
  RESOURCES,
  SNAPSHOT_KEYS,
  READ_GROUPS,
  resourceForKind,
  resourceForGroupKind,
  groupOf,
  apiVersionOf,
} from './resources.js';
export type { TranslateOptions, ResolvedTranslateOptions } from './options.js';
export { resolveTranslateOptions, DEFAULT_CLUSTER_DOMAIN, DEFAULT_NAMESPACE } from './options.js';
export { refOf, refKey, compareRefs, compareStrings, isRecord } from './resource-ref.js';
export type { Identity } from './object-meta.js';
export { identityOf, annotationsOf, labelsOf, compareByAge } from './object-meta.js';
export { makeCondition, metaTime } from './conditions.js';
export { DiagnosticList, compareDiagnostics } from './diagnostics.js';
export type { DuplicateRule } from './admission.js';
export { ObjectAdmission, reportMalformed, AdmissionCode } from './admission.js';
export { ObjectIndex } from './object-index.js';
export type { SecretKey, ClientCredential, StoredClientCredential, CredentialChange, CredentialStoreEvents } from './credential-store.js';
export { CredentialStore, secretKeyString } from './credential-store.js';
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
  inspectKeyPair,
  evaluateKeyPair,
  inspectCaBundle,
  evaluateCaBundle,
  parseCertificates,
  certificateFacts,
  formatName,
  MIN_RSA_BITS,
  EXPIRY_WARNING_DAYS,
} from './certificates.js';
export { CertificateCache } from './certificate-cache.js';
export type { ResolvedCertificate, UnresolvedCertificate } from './client-certificate.js';
export { resolveKeyPairSecret } from './client-certificate.js';
export type { UpstreamScheme, ServiceProblem, PortReference, PortLookup, SchemeDecision } from './service-protocol.js';
export {
  findServicePort,
  schemeForPort,
  protocolForPort,
  APP_PROTOCOLS_ANNOTATION,
  LEGACY_APP_PROTOCOLS_ANNOTATION,
} from './service-protocol.js';
export type { ServiceUpstreamSpec } from './service-upstream.js';
export { buildServiceUpstream, serviceUpstreamName, serviceHost, alpnFor } from './service-upstream.js';
export type { TlsParameters, TlsParameterCheck } from './tls-parameters.js';
export {
  TLS_PARAMETER_DEFAULTS,
  SUPPORTED_ALPN,
  parseTlsVersion,
  checkVersionRange,
  checkCipherList,
  parseAlpnList,
  parseVerifyDepth,
  isEmptyTlsParameters,
  tlsParametersDigest,
  describeTlsParameters,
} from './tls-parameters.js';
export type { TranslationResult } from './result.js';
export { createTranslationResult, compareEndpoints, compareStatuses } from './result.js';
export { toStableJson } from './stable-json.js';
export { containsPrivateKey, redactPrivateKeys, scrubPrivateKeys, redactKeyMaterial, REDACTED_KEY, REDACTED_VALUE } from './redaction.js';
export type { StoredObjectRef, SnapshotChange, SnapshotListener } from './snapshot-store.js';
export { SnapshotStore } from './snapshot-store.js';
export { canonicalObjects } from './object-index.js';
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
export { agentEndpointStatus, AgentEndpointReason, AGENT_ENDPOINT_API_VERSION } from './agent-endpoint-status.js';
export { translateAgentEndpoints } from './agent-endpoint.js';
export { mergeResults, endpointUrlKey, CONFLICT_REASON } from './merge.js';
export { canonicalJson } from './canonical-json.js';
export type { WireProblem } from './wire-values.js';
export { headerNameProblem, headerValueProblem, wirePath, RESERVED_HEADER_NAMES, PROXY_HOP_HEADER } from './wire-values.js';
export type { ServiceEndpoint, UpstreamEndpointMap, UpstreamEndpointOptions } from './service-endpoints.js';
export { buildUpstreamEndpoints, SERVICE_NAME_LABEL } from './service-endpoints.js';
export type { TrafficDecision, TrafficProblem } from './service-traffic.js';
export { trafficForService, parseStatusRanges, TRAFFIC_ANNOTATIONS, TRAFFIC_ANNOTATION_PREFIX } from './service-traffic.js';
export { durationMs } from './duration.js';
