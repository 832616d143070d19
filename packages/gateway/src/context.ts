// Everything one translation needs, built once per call: options, indexes, the
// diagnostics being collected and the credential store being filled.
import {
  CredentialStore,
  DiagnosticList,
  ObjectIndex,
  identityOf,
  labelsOf,
  type ClusterSnapshot,
  type ConfigMap,
  type Secret,
  type Service,
} from '@kupstream/core';
import { canonicalObjects } from './canonical-order.js';
import type { ResolvedGatewayOptions } from './options.js';
import { ReferenceGrantIndex } from './reference-grants.js';

/** The label the API server puts on every Namespace; implicit here so selectors work on files too. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface TranslationContext {
  options: ResolvedGatewayOptions;
  diagnostics: DiagnosticList;
  credentials: CredentialStore;
  services: ObjectIndex<Service>;
  secrets: ObjectIndex<Secret>;
  configMaps: ObjectIndex<ConfigMap>;
  grants: ReferenceGrantIndex;
  namespaceLabels(namespace: string): Record<string, string>;
}

export function createContext(snapshot: ClusterSnapshot, options: ResolvedGatewayOptions): TranslationContext {
  const ns = options.defaultNamespace;
  const labels = new Map<string, Record<string, string>>();
  for (const namespace of canonicalObjects(snapshot.namespaces, ns)) {
    const { name } = identityOf(namespace, ns);
    if (name && !labels.has(name)) labels.set(name, labelsOf(namespace));
  }
  return {
    options,
    diagnostics: new DiagnosticList(),
    credentials: new CredentialStore(),
    services: new ObjectIndex(canonicalObjects(snapshot.services, ns), ns),
    secrets: new ObjectIndex(canonicalObjects(snapshot.secrets, ns), ns),
    configMaps: new ObjectIndex(canonicalObjects(snapshot.configMaps, ns), ns),
    grants: new ReferenceGrantIndex(canonicalObjects(snapshot.referenceGrants, ns), ns),
    namespaceLabels(namespace) {
      return { ...labels.get(namespace), [NAMESPACE_NAME_LABEL]: namespace };
    },
  };
}
