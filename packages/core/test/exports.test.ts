// The package's public surface, name by name and entry by entry: an export added, removed
// or moved between the root and the building blocks shows up here and has to be a
// decision (and a README change), never an accident.
import assert from 'node:assert/strict';
import * as buildingBlocks from '../src/building-blocks.js';
import * as root from '../src/index.js';

/** '@kupstream/core': what a host needs. */
const ROOT_EXPORTS = [
  'AGENT_ENDPOINT_API_VERSION',
  'AgentEndpointReason',
  'CONFLICT_REASON',
  'CredentialStore',
  'DEFAULT_CLUSTER_DOMAIN',
  'DEFAULT_LIST_ITEMS_PER_DOCUMENT',
  'DEFAULT_NAMESPACE',
  'LoaderCode',
  'READ_GROUPS',
  'REDACTED_KEY',
  'REDACTED_VALUE',
  'RESOURCES',
  'RESOURCE_KINDS',
  'SERVICE_NAME_LABEL',
  'SNAPSHOT_KEYS',
  'SnapshotStore',
  'apiVersionOf',
  'buildSnapshot',
  'buildUpstreamEndpoints',
  'containsPrivateKey',
  'groupOf',
  'mergeResults',
  'redactKeyMaterial',
  'redactPrivateKeys',
  'resourceForGroupKind',
  'resourceForKind',
  'scrubPrivateKeys',
  'secretKeyString',
  'snapshotKeyFor',
  'toStableJson',
  'translateAgentEndpoints',
];

/** '@kupstream/core/building-blocks': what translators share. */
const BUILDING_BLOCK_EXPORTS = [
  'APP_PROTOCOLS_ANNOTATION',
  'AdmissionCode',
  'BINDINGS',
  'CertificateCache',
  'DiagnosticList',
  'EXPIRY_WARNING_DAYS',
  'LEGACY_APP_PROTOCOLS_ANNOTATION',
  'MIN_RSA_BITS',
  'ObjectAdmission',
  'ObjectIndex',
  'PROXY_HOP_HEADER',
  'TLS_PARAMETER_DEFAULTS',
  'TLS_SECRET_TYPE',
  'TRAFFIC_ANNOTATIONS',
  'agentEndpointStatus',
  'agentUpstreamName',
  'alpnFor',
  'annotationsOf',
  'buildAgentUpstream',
  'buildServiceUpstream',
  'canonicalJson',
  'canonicalObjects',
  'certificateFacts',
  'checkCaBundle',
  'checkCipherList',
  'checkKeyPair',
  'checkVersionRange',
  'compareByAge',
  'compareDiagnostics',
  'compareEndpoints',
  'compareRefs',
  'compareStatuses',
  'compareStrings',
  'createTranslationResult',
  'decodeBase64',
  'describeTlsParameters',
  'durationMs',
  'endpointUrlKey',
  'findServicePort',
  'formatName',
  'headerNameProblem',
  'headerValueProblem',
  'identityOf',
  'isRecord',
  'labelsOf',
  'makeCondition',
  'metaTime',
  'parseAlpnList',
  'parseCertificates',
  'parseEndpointUrl',
  'parseStatusRanges',
  'parseTlsVersion',
  'parseUpstreamUrl',
  'parseVerifyDepth',
  'privateKeyEntries',
  'protocolForPort',
  'readAgentEndpointSpec',
  'readObjectValue',
  'readTlsSecret',
  'refKey',
  'refOf',
  'reportMalformed',
  'resolveKeyPairSecret',
  'resolveTranslateOptions',
  'schemeForPort',
  'serviceHost',
  'serviceUpstreamName',
  'sniHost',
  'trafficForService',
  'wirePath',
];

describe('public exports', () => {
  it('of the root are exactly the documented ones', () => {
    assert.deepEqual(Object.keys(root).sort(), ROOT_EXPORTS);
  });

  it('of the building blocks are exactly the documented ones', () => {
    assert.deepEqual(Object.keys(buildingBlocks).sort(), BUILDING_BLOCK_EXPORTS);
  });

  it('have one home each: no name is exported by both entry points', () => {
    assert.deepEqual(
      ROOT_EXPORTS.filter((name) => BUILDING_BLOCK_EXPORTS.includes(name)),
      [],
    );
  });
});
