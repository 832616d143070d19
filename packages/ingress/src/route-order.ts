// Match precedence among one host's Ingress paths: Exact before prefixes, then the longer
// path first, then the path text, so the order never depends on input order.
import type { Route } from '@kupstream/core';
import { compareStrings } from '@kupstream/core/building-blocks';

function rank(route: Route): { exact: number; length: number; value: string } {
  const path = route.matches[0]?.path;
  return { exact: path?.type === 'Exact' ? 0 : 1, length: path?.value.length ?? 0, value: path?.value ?? '' };
}

export function compareIngressRoutes(a: Route, b: Route): number {
  const ra = rank(a);
  const rb = rank(b);
  return ra.exact - rb.exact || rb.length - ra.length || compareStrings(ra.value, rb.value) || compareStrings(a.name, b.name);
}
