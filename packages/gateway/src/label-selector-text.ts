// Label selectors written as text, the way `kubectl -l` and field selectors spell them:
// `env=prod,tier in (a,b),!legacy`. Used where an option value (a plain string) must
// select objects by label. Parsed into the metav1.LabelSelector shape and evaluated by
// the same code as object selectors (label-selector.ts).
import { compileLabelSelector } from './label-selector.js';

export type TextSelectorResult =
  { ok: true; matches: (labels: Record<string, string>) => boolean; canonical: string } | { ok: false; message: string };

interface Expression {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

// A qualified name with an optional DNS-subdomain prefix, and a label value: as the API server checks them.
const KEY = /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const SET = /^([^\s!=(),]+)\s+(in|notin)\s*\(([^()]*)\)$/;
const EQUALITY = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/;

/** `''` selects everything, as an empty `kubectl -l` does. */
export function parseLabelSelectorText(text: string): TextSelectorResult {
  const requirements = splitRequirements(text.trim());
  if (requirements === undefined) return { ok: false, message: `label selector ${JSON.stringify(text)} has unbalanced parentheses` };
  const expressions: Expression[] = [];
  for (const raw of requirements) {
    const requirement = raw.trim();
    const parsed = parseRequirement(requirement);
    if (typeof parsed === 'string') return { ok: false, message: `label selector ${JSON.stringify(text)}: ${parsed}` };
    expressions.push(parsed);
  }
  const compiled = compileLabelSelector({ matchExpressions: expressions });
  if (!compiled.ok) return { ok: false, message: `label selector ${JSON.stringify(text)}: ${compiled.message}` };
  return { ok: true, matches: compiled.matches, canonical: expressions.map(describe).join(',') };
}

function splitRequirements(text: string): string[] | undefined {
  if (text === '') return [];
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return undefined;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) return undefined;
  parts.push(text.slice(start));
  return parts;
}

function parseRequirement(requirement: string): Expression | string {
  if (requirement === '') return 'an empty requirement (two commas, or a trailing comma)';
  const set = SET.exec(requirement);
  if (set) {
    const [, key, operator, list] = set as unknown as [string, string, string, string];
    const values = list.split(',').map((v) => v.trim());
    if (!KEY.test(key)) return `${JSON.stringify(key)} is not a label key`;
    if (values.length === 0 || values.some((v) => v === '' || !VALUE.test(v)))
      return `${JSON.stringify(requirement)} needs a list of label values in parentheses`;
    return { key, operator: operator === 'in' ? 'In' : 'NotIn', values };
  }
  const equality = EQUALITY.exec(requirement);
  if (equality) {
    const [, key, operator, value] = equality as unknown as [string, string, string, string];
    if (!KEY.test(key)) return `${JSON.stringify(key)} is not a label key`;
    if (!VALUE.test(value)) return `${JSON.stringify(value)} is not a label value`;
    return { key, operator: operator === '!=' ? 'NotIn' : 'In', values: [value] };
  }
  const negated = requirement.startsWith('!');
  const key = negated ? requirement.slice(1).trim() : requirement;
  if (!KEY.test(key)) return `${JSON.stringify(requirement)} is neither key=value, key!=value, key in (…), key notin (…), key nor !key`;
  return { key, operator: negated ? 'DoesNotExist' : 'Exists' };
}

function describe(e: Expression): string {
  switch (e.operator) {
    case 'Exists':
      return e.key;
    case 'DoesNotExist':
      return `!${e.key}`;
    default: {
      const values = e.values ?? [];
      if (values.length === 1) return `${e.key}${e.operator === 'In' ? '=' : '!='}${values[0]}`;
      return `${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`;
    }
  }
}
