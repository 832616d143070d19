// How `translate` prints the result: the stable JSON, or the same document as YAML.
// YAML is made from that JSON, so both have the same key order and the same scrubbing
// (no private key can appear in either).
import { toStableJson, type TranslationModel } from '@kupstream/core';
import { stringify } from 'yaml';
import type { OutputFormat } from '../args/args.js';

export function formatResult(model: TranslationModel, format: OutputFormat): string {
  const json = toStableJson(model);
  if (format === 'json') return json;
  // lineWidth 0: long messages and URLs stay on one line; no aliases for repeated values.
  return stringify(JSON.parse(json) as unknown, { lineWidth: 0, aliasDuplicateObjects: false });
}
