// Routing by Host (and, when the listener's port is given, by the endpoint URL's port) and
// by each route's matches, in model order: the translators already sorted routes by match
// precedence, so the first match wins.
// Everything is compiled once per model (regular expressions included) and swapped
// atomically by the proxy.
import type { IncomingHttpHeaders } from 'node:http';
import type { Backend, Endpoint, Match, Route, TranslationModel, Upstream } from '@kupstream/core';

export interface RequestFacts {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

type Test = (facts: RequestFacts) => boolean;

export interface CompiledRoute {
  route: Route;
  endpoint: Endpoint;
  /** The endpoint URL's port (80 for http, 443 for https when the URL has none). */
  port: number;
  /** One test per Match; the route applies when any passes (or there are none). */
  tests: { match: Match; test: Test }[];
  /** Backends with a positive weight. */
  backends: Backend[];
  totalWeight: number;
}

export interface RouteHit {
  route: CompiledRoute;
  /** The match that applied (absent for a route without matches). */
  match?: Match;
}

export interface RouteTable {
  readonly model: TranslationModel;
  readonly upstreams: ReadonlyMap<string, Upstream>;
  /**
   * HTTP(S) routing: host header (its port ignored), case-insensitive; `*.` wildcards. With
   * `listenerPort`, only endpoints whose URL port equals it; without, every port.
   */
  route(host: string, facts: RequestFacts, listenerPort?: number): RouteHit | undefined;
  /** Whether any HTTP endpoint serves this host (on `listenerPort` when given). */
  hasHost(host: string, listenerPort?: number): boolean;
  /** L4 endpoints (`tcp://`, `tls://`) by URL. */
  l4(url: string): CompiledRoute | undefined;
  /** L4 endpoint URLs. */
  readonly l4Urls: string[];
}

const never: Test = () => false;

function fullMatch(pattern: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return undefined;
  }
}

function valueTest(type: 'Exact' | 'RegularExpression', expected: string): (value: string | undefined) => boolean {
  if (type === 'Exact') return (value) => value === expected;
  const re = fullMatch(expected);
  return re ? (value) => value !== undefined && re.test(value) : () => false;
}

/** PathPrefix is element-wise: `/foo` matches `/foo` and `/foo/bar`, not `/foobar`. */
export function pathPrefixMatches(prefix: string, path: string): boolean {
  const trimmed = prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (trimmed === '/' || trimmed === '') return true;
  return path === trimmed || path.startsWith(`${trimmed}/`);
}

function compileMatch(match: Match): Test {
  const tests: Test[] = [];
  if (match.path) {
    const { type, value } = match.path;
    if (type === 'Exact') tests.push((f) => f.path === value);
    else if (type === 'PathPrefix') tests.push((f) => pathPrefixMatches(value, f.path));
    else {
      const re = fullMatch(value);
      tests.push(re ? (f) => re.test(f.path) : never);
    }
  }
  for (const header of match.headers ?? []) {
    const name = header.name.toLowerCase();
    const test = valueTest(header.type, header.value);
    tests.push((f) => {
      const raw = f.headers[name];
      return test(Array.isArray(raw) ? raw.join(',') : raw);
    });
  }
  for (const param of match.queryParams ?? []) {
    const test = valueTest(param.type, param.value);
    tests.push((f) => test(f.query.get(param.name) ?? undefined));
  }
  if (match.method) {
    const method = match.method.toUpperCase();
    tests.push((f) => f.method.toUpperCase() === method);
  }
  return (facts) => tests.every((t) => t(facts));
}

function compileRoute(endpoint: Endpoint, route: Route, port: number): CompiledRoute {
  const backends = route.backends.filter((b) => b.weight > 0);
  return {
    route,
    endpoint,
    port,
    tests: route.matches.map((match) => ({ match, test: compileMatch(match) })),
    backends,
    totalWeight: backends.reduce((sum, b) => sum + b.weight, 0),
  };
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, tls: 443 };

/** Scheme, host and port of an endpoint URL; the port is the scheme's default when the URL has none (0 if it has no default). */
export function endpointAddress(url: string): { scheme: string; host: string; port: number } | undefined {
  // Parsed by hand: `*.example.com` is not a host WHATWG URL accepts everywhere.
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?/i.exec(url);
  if (!m?.[1] || !m[2]) return undefined;
  const scheme = m[1].toLowerCase();
  return { scheme, host: m[2].toLowerCase().replace(/\.$/, ''), port: m[3] !== undefined ? Number(m[3]) : (DEFAULT_PORTS[scheme] ?? 0) };
}

/** `Host` header value → lower-case host without port or IPv6 brackets. */
export function hostOf(header: string | undefined): string {
  if (!header) return '';
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']'));
  const colon = value.lastIndexOf(':');
  return (colon === -1 ? value : value.slice(0, colon)).replace(/\.$/, '');
}

export function compileRouteTable(model: TranslationModel): RouteTable {
  const exact = new Map<string, CompiledRoute[]>();
  const wildcards: { suffix: string; routes: CompiledRoute[] }[] = [];
  const l4 = new Map<string, CompiledRoute>();
  for (const endpoint of model.endpoints) {
    const parsed = endpointAddress(endpoint.url);
    if (!parsed) continue;
    const compiled = endpoint.routes.map((route) => compileRoute(endpoint, route, parsed.port));
    if (parsed.scheme === 'tcp' || parsed.scheme === 'tls') {
      if (compiled[0]) l4.set(endpoint.url, compiled[0]);
      continue;
    }
    if (parsed.scheme !== 'http' && parsed.scheme !== 'https') continue;
    if (parsed.host.startsWith('*.')) {
      const suffix = parsed.host.slice(1);
      const existing = wildcards.find((w) => w.suffix === suffix);
      if (existing) existing.routes.push(...compiled);
      else wildcards.push({ suffix, routes: compiled });
    } else {
      // Two endpoints for one host (http:// and https://): their routes in model order.
      exact.set(parsed.host, [...(exact.get(parsed.host) ?? []), ...compiled]);
    }
  }
  // The most specific wildcard first.
  wildcards.sort((a, b) => b.suffix.length - a.suffix.length);
  const upstreams = new Map(model.upstreams.map((u) => [u.name, u]));

  // With a listener port, a host's candidates are only the routes of endpoints on that port:
  // an exact host served on another port leaves the wildcards of this one in play.
  const onPort = (routes: CompiledRoute[] | undefined, port: number | undefined): CompiledRoute[] | undefined => {
    if (!routes || port === undefined) return routes;
    const kept = routes.filter((r) => r.port === port);
    return kept.length > 0 ? kept : undefined;
  };
  const routesFor = (host: string, port?: number): CompiledRoute[] | undefined => {
    const h = hostOf(host);
    const exactRoutes = onPort(exact.get(h), port);
    if (exactRoutes) return exactRoutes;
    for (const w of wildcards) {
      if (!h.endsWith(w.suffix) || h.length <= w.suffix.length) continue;
      const routes = onPort(w.routes, port);
      if (routes) return routes;
    }
    return undefined;
  };

  return {
    model,
    upstreams,
    l4Urls: [...l4.keys()],
    hasHost: (host, listenerPort) => routesFor(host, listenerPort) !== undefined,
    route(host, facts, listenerPort) {
      for (const route of routesFor(host, listenerPort) ?? []) {
        if (route.tests.length === 0) return { route };
        const hit = route.tests.find((t) => t.test(facts));
        if (hit) return { route, match: hit.match };
      }
      return undefined;
    },
    l4: (url) => l4.get(url),
  };
}

/** Weighted choice among positive-weight backends; `random` returns [0, 1). */
export function pickBackend(route: CompiledRoute, random: () => number): Backend | undefined {
  if (route.totalWeight <= 0) return undefined;
  let point = random() * route.totalWeight;
  for (const backend of route.backends) {
    point -= backend.weight;
    if (point < 0) return backend;
  }
  return route.backends[route.backends.length - 1];
}
