// Puts input lists in one order (namespace/name, then content) so that the output does
// not depend on the order objects arrived in, duplicates included.
import { compareStrings, identityOf, isRecord } from '@kupstream/core';

export function canonicalObjects<T>(list: readonly T[] | undefined, defaultNamespace: string): T[] {
  if (!Array.isArray(list)) return [];
  const keyed = list
    .filter((o): o is T => isRecord(o))
    .map((object) => {
      const { namespace, name } = identityOf(object, defaultNamespace);
      return { object, key: `${namespace}/${name}`, text: undefined as string | undefined };
    });
  keyed.sort((a, b) => compareStrings(a.key, b.key) || compareStrings((a.text ??= safeJson(a.object)), (b.text ??= safeJson(b.object))));
  return keyed.map((k) => k.object);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
