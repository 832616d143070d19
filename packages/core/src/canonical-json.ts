// JSON with object keys sorted at every level: equal data, equal text, whatever the key
// order. Used to compare objects (the snapshot store, merged definitions), never for output.
import { compareStrings, isRecord } from './resource-ref.js';

export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      isRecord(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort(compareStrings)
              .map((k) => [k, v[k]]),
          )
        : v,
    ) ?? ''
  );
}
