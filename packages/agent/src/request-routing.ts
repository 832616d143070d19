// Routing and refusal, in one place for every transport: which route of the current table
// a request (or Upgrade) matches, its filter plan, the backend's upstream, or the typed
// refusal (404 / 500 / 503 with its `x-kupstream-error` code) when there is none.
import type http from 'node:http';
import type { Backend, Upstream } from '@kupstream/core';
import { PROXY_HOP_HEADER } from '@kupstream/core/building-blocks';
import { applyFilters, type RequestPlan } from './filters.js';
import { fromClient } from './http-headers.js';
import { applyClientIdentity, headersWithIdentity } from './listeners/client-identity.js';
import type { ListenerContext } from './listeners/listener-context.js';
import type { ProxyResponseCode, RequestContext } from './proxy.js';
import { normalizeRequestTarget } from './request-target.js';
import { pickBackend, type CompiledRoute, type RequestFacts, type RouteHit, type RouteTable } from './router.js';

/** A request matched to a route of one model's table, with its filter plan. */
export interface Routed {
  ctx: RequestContext;
  table: RouteTable;
  hostHeader: string;
  hit: RouteHit;
  scheme: string;
  plan: RequestPlan;
}

/** Why the proxy answers itself instead of forwarding. */
export interface Refusal {
  status: number;
  code: ProxyResponseCode;
}

export type RoutingOutcome = Routed | { ctx: RequestContext; refusal: Refusal };

/** Host header; on HTTP/2 (the compatibility API) `:authority`, never a `host` header over it. */
function hostHeaderOf(req: http.IncomingMessage): string {
  const authority = req.headers[':authority'];
  if (req.httpVersionMajor === 2 && typeof authority === 'string') return authority;
  return req.headers.host ?? (typeof authority === 'string' ? authority : '');
}

/** What routes test, with the query parsed only if a route tests query parameters. */
class IncomingFacts implements RequestFacts {
  #query: URLSearchParams | undefined;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly search: string,
    readonly headers: http.IncomingHttpHeaders,
  ) {}

  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.search));
  }
}

function schemeOf(url: string): string {
  return url.slice(0, url.indexOf(':')).toLowerCase();
}

/** Whether this proxy's `hopToken` is already in the request's hop header. */
function looped(req: http.IncomingMessage, hopToken: string): boolean {
  const value = req.headers[PROXY_HOP_HEADER];
  if (value === undefined) return false;
  const text = Array.isArray(value) ? value.join(',') : value;
  return text.split(',').some((token) => token.trim() === hopToken);
}

/** The hop header to forward: what came in, plus this proxy's token. */
export function nextHop(req: http.IncomingMessage, hopToken: string): string {
  const value = req.headers[PROXY_HOP_HEADER];
  const prior = Array.isArray(value) ? value.join(', ') : value;
  return prior ? `${prior}, ${hopToken}` : hopToken;
}

/**
 * The route for the request against `table` (the table of this moment, so an update()
 * mid-request cannot mix models) and its filter plan, or the refusal when there is none.
 * Routes match the normalized path, and that path is what goes upstream.
 */
export function routeRequest(
  table: RouteTable,
  req: http.IncomingMessage,
  closing: boolean,
  hopToken: string,
  listener: ListenerContext,
): RoutingOutcome {
  const hostHeader = hostHeaderOf(req);
  const target = normalizeRequestTarget(req.url ?? '/', hostHeader);
  // The path as the client sent it (the request log's and the admin's view); routes see target.path.
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const ctx: RequestContext = { method: req.method ?? 'GET', path: q === -1 ? raw : raw.slice(0, q) };
  if (closing) return { ctx, refusal: { status: 503, code: 'proxy_closed' } };
  if (looped(req, hopToken)) return { ctx, refusal: { status: 508, code: 'loop_detected' } };
  if (!target.ok) return { ctx, refusal: { status: 400, code: target.code } };
  if (listener.hostAllowed && !listener.hostAllowed(hostHeader, req)) return { ctx, refusal: { status: 421, code: 'misdirected_request' } };
  const { path, search } = target;
  const identity = listener.clientIdentity?.(req);
  const hit = table.route(
    hostHeader,
    new IncomingFacts(ctx.method, path, search, headersWithIdentity(req.headers, identity)),
    listener.port,
  );
  // Endpoints on a port that has a listener of its own are served there only.
  if (!hit || (hit.route.listener.port !== undefined && listener.excludedPorts?.has(hit.route.listener.port)))
    return { ctx, refusal: { status: 404, code: 'route_not_found' } };
  ctx.endpoint = hit.route.endpoint.name;
  ctx.route = hit.route.route.name;
  const scheme = schemeOf(hit.route.endpoint.url);
  const plan = applyFilters(
    hit.route.route.filters,
    { host: hostHeader, path, search, headers: fromClient(req.headers), responseModifiers: [], method: ctx.method },
    hit.route.listener,
    hit.match,
  );
  // The client identity headers are the listener's to set: a client's own copies never pass.
  applyClientIdentity(plan.headers, identity);
  return { ctx, table, hostHeader, hit, scheme, plan };
}

/**
 * The upstream of a weighted backend choice, recorded in `ctx`. Gateway API: requests to
 * an invalid backend (or none) are answered 500.
 */
export function upstreamOf(
  route: CompiledRoute,
  table: RouteTable,
  ctx: RequestContext,
  random: () => number,
): { upstream: Upstream; backend: Backend } | { refusal: Refusal } {
  const backend = pickBackend(route, random);
  if (!backend) return { refusal: { status: 500, code: 'no_backend' } };
  const upstream = table.upstreams.get(backend.upstream);
  if (!upstream) return { refusal: { status: 500, code: 'backend_not_found' } };
  ctx.upstream = upstream.name;
  return { upstream, backend };
}
