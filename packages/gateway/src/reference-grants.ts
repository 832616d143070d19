// ReferenceGrant (v1 and v1beta1): permission for a cross-namespace reference lives in
// the target's namespace. Indexed once per translation by target namespace.
import type { ClusterSnapshot } from '@kupstream/core';
import { identityOf, isRecord } from '@kupstream/core/building-blocks';

interface GrantEntry {
  from: { group: string; kind: string; namespace: string }[];
  to: { group: string; kind: string; name?: string }[];
}

export interface ReferenceRequest {
  fromGroup: string;
  fromKind: string;
  fromNamespace: string;
  toGroup: string;
  toKind: string;
  toNamespace: string;
  toName: string;
}

export class ReferenceGrantIndex {
  readonly #byNamespace = new Map<string, GrantEntry[]>();

  constructor(grants: ClusterSnapshot['referenceGrants'], defaultNamespace: string) {
    for (const grant of Array.isArray(grants) ? grants : []) {
      if (!isRecord(grant) || !isRecord(grant.spec)) continue;
      const { namespace } = identityOf(grant, defaultNamespace);
      const from = (Array.isArray(grant.spec.from) ? grant.spec.from : []).filter(isRecord).map((f) => ({
        group: str(f.group),
        kind: str(f.kind),
        namespace: str(f.namespace),
      }));
      const to = (Array.isArray(grant.spec.to) ? grant.spec.to : []).filter(isRecord).map((t) => ({
        group: str(t.group),
        kind: str(t.kind),
        ...(typeof t.name === 'string' && t.name !== '' ? { name: t.name } : {}),
      }));
      let list = this.#byNamespace.get(namespace);
      if (!list) this.#byNamespace.set(namespace, (list = []));
      list.push({ from, to });
    }
  }

  /** Same-namespace references are always allowed; others need a grant in the target namespace. */
  permits(request: ReferenceRequest): boolean {
    if (request.fromNamespace === request.toNamespace) return true;
    return (this.#byNamespace.get(request.toNamespace) ?? []).some(
      (grant) =>
        grant.from.some((f) => f.group === request.fromGroup && f.kind === request.fromKind && f.namespace === request.fromNamespace) &&
        grant.to.some(
          (t) => t.group === request.toGroup && t.kind === request.toKind && (t.name === undefined || t.name === request.toName),
        ),
    );
  }
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
