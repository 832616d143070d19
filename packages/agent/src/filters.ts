// The Gateway API route filters the model carries: header modifiers, redirects and
// URL rewrites, applied to one request.
import type { OutgoingHttpHeaders } from 'node:http';
import type { Filter, HeaderModifier, Match, PathModifier } from '@kupstream/core';
import { pathPrefixMatches } from './router.js';

export function modifyHeaders(headers: OutgoingHttpHeaders, modifier: HeaderModifier): void {
  for (const { name, value } of modifier.set ?? []) headers[name.toLowerCase()] = value;
  for (const { name, value } of modifier.add ?? []) {
    const key = name.toLowerCase();
    const current = headers[key];
    headers[key] = current === undefined ? value : `${Array.isArray(current) ? current.join(',') : String(current)},${value}`;
  }
  for (const name of modifier.remove ?? []) delete headers[name.toLowerCase()];
}

/** Applies a path modifier; `match` is the route match that selected the request. */
export function rewritePath(path: string, modifier: PathModifier, match: Match | undefined): string {
  if (modifier.type === 'ReplaceFullPath') return modifier.replaceFullPath ?? path;
  const prefix = match?.path?.type === 'PathPrefix' ? match.path.value.replace(/(.)\/$/, '$1') : undefined;
  if (prefix === undefined || !pathPrefixMatches(prefix, path)) return path;
  // `/foo` → `/xyz`: `/foo/bar` → `/xyz/bar`; `/foo` → `/xyz`; with `/`: `/foo/bar` → `/bar`.
  const rest = prefix === '/' ? path : path.slice(prefix.length);
  const replacement = (modifier.replacePrefixMatch ?? '/').replace(/\/+$/, '');
  return `${replacement}${rest}` || '/';
}

export interface RequestPlan {
  host: string;
  path: string;
  /** Query string including `?`, or ''. */
  search: string;
  headers: OutgoingHttpHeaders;
  responseModifiers: HeaderModifier[];
  redirect?: { status: number; location: string };
}

/** Applies the filters in order; a RequestRedirect ends processing. */
export function applyFilters(filters: Filter[] | undefined, plan: RequestPlan, scheme: string, match: Match | undefined): RequestPlan {
  for (const filter of filters ?? []) {
    switch (filter.type) {
      case 'RequestHeaderModifier':
        modifyHeaders(plan.headers, filter.requestHeaderModifier);
        break;
      case 'ResponseHeaderModifier':
        plan.responseModifiers.push(filter.responseHeaderModifier);
        break;
      case 'URLRewrite':
        if (filter.urlRewrite.hostname) plan.host = filter.urlRewrite.hostname;
        if (filter.urlRewrite.path) plan.path = rewritePath(plan.path, filter.urlRewrite.path, match);
        break;
      case 'RequestRedirect': {
        const r = filter.requestRedirect;
        const targetScheme = r.scheme ?? scheme;
        const hostname = r.hostname ?? plan.host.replace(/:\d+$/, '');
        const defaultPort = targetScheme === 'https' ? 443 : 80;
        const port = r.port && r.port !== defaultPort ? `:${r.port}` : '';
        const path = r.path ? rewritePath(plan.path, r.path, match) : plan.path;
        plan.redirect = { status: r.statusCode ?? 302, location: `${targetScheme}://${hostname}${port}${path}${plan.search}` };
        return plan;
      }
    }
  }
  return plan;
}
