// Reading Secret/ConfigMap references (group, kind, name, namespace) defensively.
import { isRecord } from '@kupstream/core/building-blocks';

export interface ObjectReference {
  group: string;
  kind: string;
  name: string;
  namespace: string;
  /** The namespace was given explicitly. */
  explicitNamespace: boolean;
}

export type ReadReference = { ok: true; ref: ObjectReference } | { ok: false; message: string };

/** Core group `""` is the default; `defaultKind` fills a missing kind. */
export function readObjectReference(value: unknown, defaultKind: string, defaultNamespace: string): ReadReference {
  if (!isRecord(value)) return { ok: false, message: 'must be an object with a name' };
  if (typeof value.name !== 'string' || value.name === '') return { ok: false, message: 'has no name' };
  if (value.group !== undefined && typeof value.group !== 'string') return { ok: false, message: 'group must be a string' };
  if (value.kind !== undefined && typeof value.kind !== 'string') return { ok: false, message: 'kind must be a string' };
  if (value.namespace !== undefined && typeof value.namespace !== 'string') return { ok: false, message: 'namespace must be a string' };
  const explicitNamespace = typeof value.namespace === 'string' && value.namespace !== '';
  return {
    ok: true,
    ref: {
      group: (value.group as string | undefined) ?? '',
      kind: (value.kind as string | undefined) || defaultKind,
      name: value.name,
      namespace: explicitNamespace ? (value.namespace as string) : defaultNamespace,
      explicitNamespace,
    },
  };
}

export function describeGroupKind(ref: { group: string; kind: string }): string {
  return ref.group === '' ? ref.kind : `${ref.kind}.${ref.group}`;
}
