import type { KubeObject } from './kube-objects.js';
import type { ResourceRef } from './model.js';

/** A ResourceRef for any object, tolerating a missing name or namespace. */
export function refOf(kind: string, object: KubeObject | undefined, defaultNamespace: string, section?: string): ResourceRef {
  const meta = isRecord(object) && isRecord(object.metadata) ? object.metadata : {};
  const ref: ResourceRef = { kind, namespace: stringOr(meta.namespace, defaultNamespace), name: stringOr(meta.name, '') };
  if (section !== undefined) ref.section = section;
  return ref;
}

export function refKey(ref: ResourceRef): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}${ref.section !== undefined ? `/${ref.section}` : ''}`;
}

export function compareRefs(a: ResourceRef, b: ResourceRef): number {
  return (
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.namespace ?? '', b.namespace ?? '') ||
    compareStrings(a.name, b.name) ||
    compareStrings(a.section ?? '', b.section ?? '')
  );
}

/** Code-unit order, independent of locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
