// Everything one translation needs, built once per call: options, indexes, the
// diagnostics being collected and the credential store being filled.
import {
  CredentialStore,
  type ClusterSnapshot,
  type ConfigMap,
  type Diagnostic,
  type ResourceRef,
  type Secret,
  type Service,
  type Upstream,
} from '@kupstream/core';
import {
  type CertificateInspector,
  DiagnosticList,
  ObjectIndex,
  identityOf,
  labelsOf,
  type TrafficDecision,
  type findServicePort,
  type schemeForPort,
  canonicalObjects,
} from '@kupstream/core/building-blocks';
import type { GatewayClientCertificate } from './client-certificates.js';
import { ClusterTrustBundleIndex } from './cluster-trust-bundles.js';
import type { ResolvedGatewayOptions } from './options.js';
import { ReferenceGrantIndex } from './reference-grants.js';

/** The label the API server puts on every Namespace; implicit here so selectors work on files too. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The lookup indexes of one snapshot: immutable, so a cache may reuse them while the objects are unchanged. */
export interface SnapshotIndexes {
  services: ObjectIndex<Service>;
  secrets: ObjectIndex<Secret>;
  configMaps: ObjectIndex<ConfigMap>;
  /** Cluster-scoped CA sources, by name and by signer. */
  clusterTrustBundles: ClusterTrustBundleIndex;
  grants: ReferenceGrantIndex;
  namespaceLabels(namespace: string): Record<string, string>;
}

export interface TranslationContext extends SnapshotIndexes {
  options: ResolvedGatewayOptions;
  diagnostics: DiagnosticList;
  credentials: CredentialStore;
  /** Certificate parsing, once per distinct material (per call, or across calls in a translator). */
  certificates: CertificateInspector;
  memo: TranslationMemo;
}

/** One Service port as backends see it: the port, the scheme decided for it, its upstream per Gateway. */
export interface PortFacts {
  servicePort: ReturnType<typeof findServicePort>;
  serviceRef: ResourceRef;
  decision: ReturnType<typeof schemeForPort>;
  /** The Service's kupstream.dev traffic annotations (load balancing, circuit breaking, health). */
  traffic: TrafficDecision;
  /** Gateway key -> the upstream (and its warning) of this port through that Gateway. */
  upstreams: Map<string, { upstream: Upstream; warning?: Diagnostic }>;
}

/** Work many routes repeat within one translation (never kept across translations). */
export interface TranslationMemo {
  /** Service object -> port -> port lookup, scheme decision and upstreams by Gateway. */
  servicePorts: Map<object, Map<number, PortFacts>>;
  /** Diagnostic object -> its deduplication key. */
  diagnosticKeys: Map<object, string>;
  /** Service object -> its own client certificate (`kupstream.dev/client-certificate`), resolved once. */
  serviceClientCertificates: Map<object, GatewayClientCertificate | undefined>;
}

export function createContext(
  indexes: SnapshotIndexes,
  options: ResolvedGatewayOptions,
  certificates: CertificateInspector,
): TranslationContext {
  return {
    ...indexes,
    options,
    diagnostics: new DiagnosticList(),
    credentials: new CredentialStore(),
    certificates,
    memo: { servicePorts: new Map(), diagnosticKeys: new Map(), serviceClientCertificates: new Map() },
  };
}

export function buildIndexes(snapshot: ClusterSnapshot, ns: string): SnapshotIndexes {
  const labels = new Map<string, Record<string, string>>();
  for (const namespace of canonicalObjects(snapshot.namespaces, ns)) {
    const { name } = identityOf(namespace, ns);
    if (name && !labels.has(name)) labels.set(name, labelsOf(namespace));
  }
  return {
    services: new ObjectIndex(canonicalObjects(snapshot.services, ns), ns),
    secrets: new ObjectIndex(canonicalObjects(snapshot.secrets, ns), ns),
    configMaps: new ObjectIndex(canonicalObjects(snapshot.configMaps, ns), ns),
    clusterTrustBundles: new ClusterTrustBundleIndex(snapshot.clusterTrustBundles, ns),
    grants: new ReferenceGrantIndex(canonicalObjects(snapshot.referenceGrants, ns), ns),
    namespaceLabels(namespace) {
      return { ...labels.get(namespace), [NAMESPACE_NAME_LABEL]: namespace };
    },
  };
}
