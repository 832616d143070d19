// metav1.LabelSelector evaluation, used for allowedRoutes.namespaces.selector.
import { isRecord } from '@kupstream/core/building-blocks';

export type SelectorResult = { ok: true; matches: (labels: Record<string, string>) => boolean } | { ok: false; message: string };

export function compileLabelSelector(selector: unknown): SelectorResult {
  if (!isRecord(selector)) return { ok: false, message: 'selector must be an object' };
  const tests: ((labels: Record<string, string>) => boolean)[] = [];
  const { matchLabels, matchExpressions } = selector;
  if (matchLabels !== undefined) {
    if (!isRecord(matchLabels)) return { ok: false, message: 'matchLabels must be a map' };
    for (const [key, value] of Object.entries(matchLabels)) {
      if (typeof value !== 'string') return { ok: false, message: `matchLabels[${key}] must be a string` };
      tests.push((labels) => labels[key] === value);
    }
  }
  if (matchExpressions !== undefined) {
    if (!Array.isArray(matchExpressions)) return { ok: false, message: 'matchExpressions must be a list' };
    for (const [i, expr] of matchExpressions.entries()) {
      if (!isRecord(expr) || typeof expr.key !== 'string' || expr.key === '')
        return { ok: false, message: `matchExpressions[${i}].key is required` };
      const key = expr.key;
      const values = Array.isArray(expr.values) ? expr.values.filter((v): v is string => typeof v === 'string') : [];
      switch (expr.operator) {
        case 'In':
          if (values.length === 0) return { ok: false, message: `matchExpressions[${i}]: In needs values` };
          tests.push((labels) => labels[key] !== undefined && values.includes(labels[key]!));
          break;
        case 'NotIn':
          if (values.length === 0) return { ok: false, message: `matchExpressions[${i}]: NotIn needs values` };
          tests.push((labels) => labels[key] === undefined || !values.includes(labels[key]!));
          break;
        case 'Exists':
          tests.push((labels) => key in labels);
          break;
        case 'DoesNotExist':
          tests.push((labels) => !(key in labels));
          break;
        default:
          return {
            ok: false,
            message: `matchExpressions[${i}].operator ${JSON.stringify(expr.operator)} is not In, NotIn, Exists or DoesNotExist`,
          };
      }
    }
  }
  return { ok: true, matches: (labels) => tests.every((t) => t(labels)) };
}
