// Routing by Host and by each route's matches, in model order: the translators already
// sorted routes by match precedence, so the first match wins. Host selection follows the
// Gateway API: the exact host, else the longest matching `*.` wildcard suffix, else the
// catch-all `*`; the endpoints of the most specific host are the only candidates (a request
// they do not match is not retried against a less specific host: listener isolation).
// Optionally only the endpoints of one listener port take part.
// Everything is compiled once per model (regular expressions included) and swapped
// atomically by the proxy.
import type { IncomingHttpHeaders } from 'node:http';
import type { Backend, Endpoint, Match, Route, TranslationModel, Upstream } from '@kupstream/core';
import { normalizePath } from './request-target.js';

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
  /** The endpoint URL's scheme and port (the scheme's default when the URL has none). */
  listener: { scheme: string; port: number };
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
   * HTTP(S) routing by the Host header (its port ignored, case-insensitive): exact host, then
   * the longest `*.` wildcard, then `*`. With `listenerPort`, only endpoints whose URL port
   * (default 80 for http, 443 for https) equals it take part.
   */
  route(host: string, facts: RequestFacts, listenerPort?: number): RouteHit | undefined;
  /** Whether any HTTP endpoint (of `listenerPort`, when given) serves this host. */
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
    if (type === 'Exact' || type === 'PathPrefix') {
      // Requests are matched on their normalized path (request-target.ts), so the route's
      // value is normalized the same way: `/caf%c3%a9` matches what `/caf%C3%A9` sends. A
      // value no request can normalize to (an escaped slash) matches nothing.
      const normalized = normalizePath(value.startsWith('/') ? value : `/${value}`);
      if (normalized === undefined) tests.push(never);
      else if (type === 'Exact') tests.push((f) => f.path === normalized);
      else tests.push((f) => pathPrefixMatches(normalized, f.path));
    } else {
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

function compileRoute(endpoint: Endpoint, route: Route, listener: { scheme: string; port: number }): CompiledRoute {
  const backends = route.backends.filter((b) => b.weight > 0);
  return {
    route,
    endpoint,
    listener,
    tests: route.matches.map((match) => ({ match, test: compileMatch(match) })),
    backends,
    totalWeight: backends.reduce((sum, b) => sum + b.weight, 0),
  };
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };

export interface EndpointAddress {
  scheme: string;
  host: string;
  /** The URL's port, else the scheme's default (undefined for tcp/tls without one). */
  port?: number;
}

export function endpointAddress(url: string): EndpointAddress | undefined {
  // Parsed by hand: `*.example.com` and `*` are not hosts WHATWG URL accepts everywhere.
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d{1,5}))?/i.exec(url);
  if (!m?.[1] || !m[2]) return undefined;
  const scheme = m[1].toLowerCase();
  const port = m[3] !== undefined ? Number(m[3]) : DEFAULT_PORTS[scheme];
  return { scheme, host: m[2].toLowerCase().replace(/\.$/, ''), ...(port !== undefined ? { port } : {}) };
}

/** The HTTP endpoints' routes by host: exact, `*.` wildcards (longest suffix first), `*`. */
class HostIndex {
  readonly #exact = new Map<string, CompiledRoute[]>();
  #wildcards: { suffix: string; routes: CompiledRoute[] }[] = [];
  #catchAll: CompiledRoute[] | undefined;

  add(host: string, routes: readonly CompiledRoute[]): void {
    if (host === '*') this.#catchAll = [...(this.#catchAll ?? []), ...routes];
    else if (host.startsWith('*.')) {
      const suffix = host.slice(1);
      const existing = this.#wildcards.find((w) => w.suffix === suffix);
      if (existing) for (const route of routes) existing.routes.push(route);
      else this.#wildcards.push({ suffix, routes: [...routes] });
    }
    // Two endpoints for one host (http:// and https://): their routes in model order.
    else this.#exact.set(host, [...(this.#exact.get(host) ?? []), ...routes]);
  }

  /** Call once after the last add: the most specific wildcard first. */
  seal(): void {
    this.#wildcards.sort((a, b) => b.suffix.length - a.suffix.length);
  }

  /** `host` already normalized by hostOf. */
  routesFor(host: string): CompiledRoute[] | undefined {
    return (
      this.#exact.get(host) ??
      this.#wildcards.find((w) => host.endsWith(w.suffix) && host.length > w.suffix.length)?.routes ??
      this.#catchAll
    );
  }
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
  const anyPort = new HostIndex();
  const byPort = new Map<number, HostIndex>();
  const l4 = new Map<string, CompiledRoute>();
  for (const endpoint of model.endpoints) {
    const parsed = endpointAddress(endpoint.url);
    if (!parsed) continue;
    const listener = { scheme: parsed.scheme, port: parsed.port ?? 0 };
    const compiled = endpoint.routes.map((route) => compileRoute(endpoint, route, listener));
    if (parsed.scheme === 'tcp' || parsed.scheme === 'tls') {
      if (compiled[0]) l4.set(endpoint.url, compiled[0]);
      continue;
    }
    if (parsed.scheme !== 'http' && parsed.scheme !== 'https') continue;
    anyPort.add(parsed.host, compiled);
    const port = parsed.port!;
    let index = byPort.get(port);
    if (!index) byPort.set(port, (index = new HostIndex()));
    index.add(parsed.host, compiled);
  }
  anyPort.seal();
  for (const index of byPort.values()) index.seal();
  const upstreams = new Map(model.upstreams.map((u) => [u.name, u]));

  const routesFor = (host: string, listenerPort: number | undefined): CompiledRoute[] | undefined =>
    (listenerPort === undefined ? anyPort : byPort.get(listenerPort))?.routesFor(hostOf(host));

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
