// Match precedence across every route on one endpoint (Gateway API rules):
// Exact > longest PathPrefix > RegularExpression > method > most headers > most query
// params; ties: oldest route, then namespace/name, then rule and match order.
import type { Match } from '@kupstream/core';
import { compareByAge, type Identity } from '@kupstream/core/building-blocks';

export interface RankedRoute {
  match: Match;
  route: Identity;
  ruleIndex: number;
  matchIndex: number;
}

const PATH_RANK = { Exact: 0, PathPrefix: 1, RegularExpression: 2 } as const;

export function comparePrecedence(a: RankedRoute, b: RankedRoute): number {
  const pa = a.match.path;
  const pb = b.match.path;
  const rank = (pa ? PATH_RANK[pa.type] : 1) - (pb ? PATH_RANK[pb.type] : 1);
  if (rank !== 0) return rank;
  const length = (pb?.value.length ?? 1) - (pa?.value.length ?? 1);
  if (length !== 0) return length;
  const method = Number(b.match.method !== undefined) - Number(a.match.method !== undefined);
  if (method !== 0) return method;
  const headers = (b.match.headers?.length ?? 0) - (a.match.headers?.length ?? 0);
  if (headers !== 0) return headers;
  const query = (b.match.queryParams?.length ?? 0) - (a.match.queryParams?.length ?? 0);
  if (query !== 0) return query;
  return compareByAge(a.route, b.route) || a.ruleIndex - b.ruleIndex || a.matchIndex - b.matchIndex;
}
