// Test input: several golden cases' objects in one snapshot (PKI placeholders filled),
// so property tests run over every kind of object and failure at once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fillPlaceholders, snapshotFromYaml } from '@kupstream/golden';
import type { ClusterSnapshot } from '@kupstream/core';

export const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');

export async function loadCase(name: string): Promise<ClusterSnapshot> {
  return snapshotFromYaml(await fillPlaceholders(readFileSync(join(FIXTURES, `${name}.in.yaml`), 'utf8')));
}

/**
 * Objects of many cases in one snapshot; case i lives in namespaces prefixed `c<i>-`
 * (every `namespace` field and Namespace name is rewritten) so their names do not collide.
 */
export async function mergedSnapshot(names: readonly string[]): Promise<ClusterSnapshot> {
  const merged: Record<string, unknown[]> = {};
  for (const [i, name] of names.entries()) {
    const snapshot = (await loadCase(name)) as Record<string, unknown[]>;
    for (const [key, list] of Object.entries(snapshot)) {
      (merged[key] ??= []).push(...list.map((object) => renamespace(object, `c${i}-`, key === 'namespaces')));
    }
  }
  return merged as ClusterSnapshot;
}

function renamespace(object: unknown, prefix: string, isNamespace: boolean): unknown {
  const copy = rewrite(structuredClone(object), prefix) as { metadata?: { namespace?: string; name?: string } };
  copy.metadata ??= {};
  if (isNamespace) copy.metadata.name = prefix + (copy.metadata.name ?? '');
  else copy.metadata.namespace ??= `${prefix}default`;
  return copy;
}

function rewrite(value: unknown, prefix: string): unknown {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, prefix));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'namespace' && typeof v === 'string' ? prefix + v : rewrite(v, prefix);
  return out;
}

export const RICH_CASES = [
  'gateway-seed-backend-tls',
  'gateway-two-gateways-different-certs',
  'gateway-listener-isolation',
  'gateway-listener-allowed-routes-selector',
  'gateway-endpoint-conflict',
  'httproute-precedence-across-routes',
  'httproute-backend-partially-invalid-share',
  'httproute-backend-grant-v1beta1',
  'backendtlspolicy-conflict',
  'backendtlspolicy-section-name',
  'backendtlspolicy-clustertrustbundle-selector',
  'gateway-client-cert-cross-namespace-granted',
  'httproute-filter-unsupported',
] as const;
