// ClusterTrustBundles (certificates.k8s.io, cluster-scoped) as CA sources: named by a
// `caCertificateRefs` entry (group certificates.k8s.io, kind ClusterTrustBundle), or selected
// by signer and labels as a projected volume's clusterTrustBundle source selects them (every
// bundle of the signer that matches, unified). Being cluster-scoped, they need no
// ReferenceGrant: any namespace may trust them.
import type { ClusterTrustBundle } from '@kupstream/core';
import {
  canonicalObjects,
  checkCaBundle,
  identityOf,
  isRecord,
  labelsOf,
  type CertificateInspector,
  type CertificateProblem,
} from '@kupstream/core/building-blocks';

export const CLUSTER_TRUST_BUNDLE_GROUP = 'certificates.k8s.io';
export const CLUSTER_TRUST_BUNDLE_KIND = 'ClusterTrustBundle';

/** Which bundles a selector takes: every one of `signerName` whose labels match. */
export interface TrustBundleSelector {
  signerName: string;
  matches: (labels: Record<string, string>) => boolean;
  /** The label selector as written (canonical form), `''` for all of the signer's bundles. */
  labelSelector: string;
}

export type TrustBundleRead =
  { ok: true; pem: string; warnings: CertificateProblem[] } | { ok: false; code: string; message: string; warnings: CertificateProblem[] };

export class ClusterTrustBundleIndex {
  readonly #byName = new Map<string, ClusterTrustBundle>();

  constructor(bundles: readonly ClusterTrustBundle[] | undefined, defaultNamespace: string) {
    // Canonical order: the first of two objects with one name wins, whatever the input order.
    for (const bundle of canonicalObjects(bundles, defaultNamespace)) {
      const { name } = identityOf(bundle, defaultNamespace);
      if (name && !this.#byName.has(name)) this.#byName.set(name, bundle);
    }
  }

  get(name: string): ClusterTrustBundle | undefined {
    return this.#byName.get(name);
  }

  /** The names of the bundles a selector takes, sorted. */
  select(selector: TrustBundleSelector): string[] {
    const names: string[] = [];
    for (const [name, bundle] of this.#byName) {
      if (signerOf(bundle) === selector.signerName && selector.matches(labelsOf(bundle))) names.push(name);
    }
    return names.sort();
  }
}

function signerOf(bundle: ClusterTrustBundle): string {
  return isRecord(bundle.spec) && typeof bundle.spec.signerName === 'string' ? bundle.spec.signerName : '';
}

/** The certificates of one bundle: its `spec.trustBundle`, parsed and checked against `now`. */
export function readTrustBundle(bundle: ClusterTrustBundle, name: string, now: Date, certificates: CertificateInspector): TrustBundleRead {
  const text = isRecord(bundle.spec) ? bundle.spec.trustBundle : undefined;
  if (typeof text !== 'string' || text.trim() === '')
    return { ok: false, code: 'CaBundleInvalid', message: `ClusterTrustBundle ${name} has no spec.trustBundle`, warnings: [] };
  const check = checkCaBundle(text, now, certificates);
  const warnings = check.problems.filter((p) => !p.fatal);
  if (!check.pem) {
    const fatal = check.problems.find((p) => p.fatal);
    return {
      ok: false,
      code: fatal?.code ?? 'CaBundleInvalid',
      message: `ClusterTrustBundle ${name} spec.trustBundle ${fatal?.message ?? 'holds no usable certificate'}`,
      warnings,
    };
  }
  return { ok: true, pem: check.pem, warnings };
}

const SIGNER_NAME = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/[A-Za-z0-9](?:[-A-Za-z0-9_.~/]*[A-Za-z0-9])?$/;

/** `<domain>/<path>`, as certificates.k8s.io signer names are written (`example.com/my-ca`). */
export function isValidSignerName(value: string): boolean {
  return value.length <= 571 && SIGNER_NAME.test(value) && !value.includes('//');
}

/** A `caCertificateRefs` entry names a ClusterTrustBundle. */
export function namesClusterTrustBundle(ref: { group: string; kind: string }): boolean {
  return ref.group === CLUSTER_TRUST_BUNDLE_GROUP && ref.kind === CLUSTER_TRUST_BUNDLE_KIND;
}

/** `ClusterTrustBundles of signer example.com/ca matching env=prod`, for messages and status. */
export function describeTrustBundleSelector(selector: TrustBundleSelector): string {
  return `ClusterTrustBundles of signer ${selector.signerName}${selector.labelSelector ? ` matching ${selector.labelSelector}` : ''}`;
}
