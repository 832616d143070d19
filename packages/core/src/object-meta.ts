// Defensive readers for metadata: objects may come from hand-written YAML.
import type { KubeObject } from './kube-objects.js';
import { compareStrings, isRecord } from './resource-ref.js';

export interface Identity {
  namespace: string;
  name: string;
  generation: number | undefined;
  creationTimestamp: string;
}

export function identityOf(object: KubeObject | unknown, defaultNamespace: string): Identity {
  const meta = isRecord(object) && isRecord(object.metadata) ? object.metadata : {};
  return {
    namespace: typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : defaultNamespace,
    name: typeof meta.name === 'string' ? meta.name : '',
    generation: typeof meta.generation === 'number' && Number.isInteger(meta.generation) ? meta.generation : undefined,
    creationTimestamp: typeof meta.creationTimestamp === 'string' ? meta.creationTimestamp : '',
  };
}

export function annotationsOf(object: unknown): Record<string, string> {
  return stringMap(isRecord(object) && isRecord(object.metadata) ? object.metadata.annotations : undefined);
}

export function labelsOf(object: unknown): Record<string, string> {
  return stringMap(isRecord(object) && isRecord(object.metadata) ? object.metadata.labels : undefined);
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * Conflict order used everywhere: oldest creationTimestamp first (objects without one
 * last), then namespace/name. Missing timestamps compare as "newest".
 */
export function compareByAge(a: Identity, b: Identity): number {
  const ta = Date.parse(a.creationTimestamp);
  const tb = Date.parse(b.creationTimestamp);
  const va = Number.isNaN(ta) ? Number.POSITIVE_INFINITY : ta;
  const vb = Number.isNaN(tb) ? Number.POSITIVE_INFINITY : tb;
  if (va !== vb) return va < vb ? -1 : 1;
  return compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name);
}
