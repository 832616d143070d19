// The Gateway API route filters the model carries: header modifiers, redirects and
// URL rewrites, applied to one request.
import type { OutgoingHttpHeaders } from 'node:http';
import type { Filter, HeaderModifier, Match, PathModifier, RequestMirror } from '@kupstream/core';
import { corsOutcome } from './cors.js';
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
  /** The request method (CORS tells a preflight by it). */
  method?: string;
  /** A CORS preflight the agent answers itself (204) with these headers. */
  preflight?: OutgoingHttpHeaders;
  /** Copies to send (RequestMirror), in filter order. */
  mirrors?: RequestMirror[];
}

/** Well-known ports: omitted from a redirect's Location, and a redirect scheme's default port. */
const WELL_KNOWN_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };

/** The listener a request came in on: its endpoint URL's scheme and port. */
export interface ListenerFacts {
  scheme: string;
  port: number;
}

type Redirect = Extract<Filter, { type: 'RequestRedirect' }>['requestRedirect'];

/**
 * The Location of a RequestRedirect, per the Gateway API field rules: the scheme is the
 * filter's, else the listener's; the hostname the filter's, else the request's Host (without
 * its port); the port the filter's, else the redirect scheme's well-known port when the filter
 * sets a scheme (the listener's port for a scheme without one), else the listener's port; a port
 * that is the well-known one of the Location's scheme (http 80, https 443) is omitted.
 */
export function redirectLocation(redirect: Redirect, listener: ListenerFacts, host: string, path: string, search: string): string {
  const scheme = (redirect.scheme ?? listener.scheme).toLowerCase();
  const hostname = redirect.hostname ?? hostWithoutPort(host);
  const port = redirect.port ?? (redirect.scheme !== undefined ? (WELL_KNOWN_PORTS[scheme] ?? listener.port) : listener.port);
  const shown = port === WELL_KNOWN_PORTS[scheme] ? '' : `:${port}`;
  return `${scheme}://${hostname}${shown}${path}${search}`;
}

/** `example.com:8080` → `example.com`; `[::1]:8080` → `[::1]` (brackets kept for the URL). */
function hostWithoutPort(host: string): string {
  return host.replace(/:\d*$/, '');
}

/** Applies the filters in order; a RequestRedirect or a CORS preflight ends processing. */
export function applyFilters(
  filters: Filter[] | undefined,
  plan: RequestPlan,
  listener: ListenerFacts,
  match: Match | undefined,
): RequestPlan {
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
        const path = r.path ? rewritePath(plan.path, r.path, match) : plan.path;
        plan.redirect = { status: r.statusCode ?? 302, location: redirectLocation(r, listener, plan.host, path, plan.search) };
        return plan;
      }
      case 'RequestMirror':
        (plan.mirrors ??= []).push(filter.requestMirror);
        break;
      case 'CORS': {
        const outcome = corsOutcome(filter.cors, plan.method ?? 'GET', plan.headers);
        if (outcome && 'preflight' in outcome) {
          plan.preflight = outcome.preflight;
          return plan;
        }
        if (outcome) plan.responseModifiers.push(outcome.response);
        break;
      }
    }
  }
  return plan;
}
