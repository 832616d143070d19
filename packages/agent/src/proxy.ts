// createProxy: the model served as a reverse proxy, and its public types. The request
// path is split by concern: routing and refusals (request-routing.ts), the proxy's own
// answers and events (proxy-answers.ts), one module per transport — HTTP/1.1
// (forward-http1.ts), HTTP/2 (forward-http2.ts), Upgrade and L4 tunnels (tunnels.ts) —
// and one response deadline (timeouts/response-deadline.ts). Failures are typed 502/504
// (500 for an unavailable upstream) with `x-kupstream-error`; update() swaps the model
// atomically. Bodies stream with backpressure, never buffered.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { CredentialStore, TranslationModel, Upstream, UpstreamEndpointMap } from '@kupstream/core';
import { PROXY_HOP_HEADER } from '@kupstream/core/building-blocks';
import { balancedForwarder } from './endpoints/balanced-forwarding.js';
import { EndpointRegistry } from './endpoints/endpoint-registry.js';
import { HealthChecker } from './endpoints/health-checker.js';
import type { EndpointEvent, UpstreamTrafficStats } from './endpoints/upstream-endpoints.js';
import { forwardHttp1 } from './forward-http1.js';
import { forwardHttp2 } from './forward-http2.js';
import { applyFilters } from './filters.js';
import { addForwarded } from './http-headers.js';
import { ANY_LISTENER, type ListenerContext } from './listeners/listener-context.js';
import { UpstreamPools, type UpstreamPoolStats } from './pools.js';
import { ProxyAnswers } from './proxy-answers.js';
import { forwardWithRoutePolicies, type Forwarder } from './request-attempts.js';
import { sendMirrors } from './request-mirror.js';
import { nextHop, routeRequest, upstreamOf } from './request-routing.js';
import { compileRouteTable, type RouteTable } from './router.js';
import {
  DEFAULT_MAX_REQUEST_BODY_BYTES,
  DEFAULT_MAX_SOCKETS_PER_POOL,
  resolveTimeouts,
  resolveTrafficDefaults,
  type TrafficDefaults,
} from './timeouts/defaults.js';
import type { Timeouts } from './timeouts/defaults.js';
import { ResponseDeadlines } from './timeouts/response-deadline.js';
import type { TransportContext } from './transport-context.js';
import { forwardL4, forwardUpgrade, Tunnels } from './tunnels.js';
import type { UpstreamError, UpstreamErrorCode } from './upstream-errors.js';
import { UpstreamDenyList, type UpstreamDenyOptions } from './upstream-deny-list.js';
import { cachedUpstreamTarget, type Resolve } from './upstream-target.js';

export interface ProxyOptions {
  /** A model, or a TranslationResult (whose `credentials` are used when none are given). */
  model: TranslationModel;
  credentials?: CredentialStore;
  /** Where to dial an upstream's host and port instead (like curl's --resolve); an upstream it maps ignores its EndpointSlices. */
  resolve?: Resolve;
  timeouts?: Partial<Timeouts>;
  maxSocketsPerPool?: number;
  /** Larger request bodies get 413 `request_body_too_large`; default DEFAULT_MAX_REQUEST_BODY_BYTES (10 MiB). */
  maxRequestBodyBytes?: number;
  /** Weighted backend choice; returns [0, 1). Default Math.random. */
  random?: () => number;
  /**
   * Upstream addresses never dialed (500 `upstream_denied`), checked on the address dialed
   * after `resolve` and DNS: CIDR blocks, and the host's own listen/admin addresses.
   * A malformed CIDR throws here.
   */
  denyUpstreams?: UpstreamDenyOptions;
  /**
   * The endpoints of Service-backed upstreams (core's `buildUpstreamEndpoints` over the
   * EndpointSlices); later ones through `updateEndpoints`. An upstream without an entry is
   * dialed by its Service name.
   */
  endpoints?: UpstreamEndpointMap;
  /** Load balancing, circuit breaking and outlier detection defaults for every upstream (a Service's annotations override them). */
  traffic?: Partial<TrafficDefaults>;
}

/** Codes the proxy itself answers with (besides the UpstreamError codes). */
export type ProxyResponseCode =
  | 'route_not_found'
  | 'backend_not_found'
  | 'no_backend'
  | 'proxy_closed'
  | 'request_body_too_large'
  /** 400: the request-target cannot be normalized (request-target.ts) */
  | 'path_invalid'
  /** 400: an absolute-form target names another authority than Host */
  | 'authority_mismatch'
  /** 508: the request already passed through this proxy */
  | 'loop_detected'
  /** 503: every attempt the route's `retry` allows failed to reach the upstream (the last failure goes to `upstreamError`) */
  | 'retries_exhausted'
  /** 502: a response header Node refuses to write */
  | 'response_header_invalid'
  /** 500: an unexpected failure in the proxy's request path */
  | 'internal_error'
  /** 421: the request's host belongs to another TLS listener than the connection's */
  | 'misdirected_request'
  /** 503: the upstream's circuit breaker is full (max connections busy and max pending requests waiting) */
  | 'upstream_overflow'
  /** 503: the upstream's EndpointSlices list no endpoint that may take a request */
  | 'no_healthy_upstream';

export interface RequestContext {
  endpoint?: string;
  route?: string;
  upstream?: string;
  method: string;
  path: string;
}

export interface UpstreamErrorEvent extends RequestContext {
  error: UpstreamError;
}

export interface ResponseEvent extends RequestContext {
  status: number;
  /** Set for an Upgrade request (answered on its socket, not a ServerResponse). */
  upgrade?: true;
  /** The `x-kupstream-error` code, when the proxy answered instead of the upstream. */
  code?: ProxyResponseCode | UpstreamErrorCode;
}

export interface ProxyStats {
  /** HTTP requests being forwarded. */
  inFlight: number;
  /** Open Upgrade and L4 tunnels (both sides counted once). */
  tunnels: number;
  /** Current HTTP/1.1 pools, retired pools still serving a request, and HTTP/2 sessions. */
  pools: { agents: number; retiredAgents: number; sessions: number };
  /** One entry per upstream of the model, in model order (`PoolStats` of the admin server). */
  upstreams: UpstreamPoolStats[];
  /** Cached TLS sessions and SecureContexts of the proxy's credential store (both bounded). */
  caches: { tlsSessions: number; secureContexts: number };
  /** Endpoints, circuit breaker and ejections per upstream of the model, in model order. */
  traffic: UpstreamTrafficStats[];
  /** Endpoints under active health checks, and checks in progress now (0 and 0 once closing). */
  healthChecks: { endpoints: number; inProgress: number };
  closing: boolean;
}

export interface ProxyEvents {
  upstreamError: [UpstreamErrorEvent];
  response: [ResponseEvent];
  /** An endpoint ejected or readmitted, an active check's verdict changed, or a request refused by a full circuit breaker. */
  endpoint: [EndpointEvent];
}

export interface Proxy extends EventEmitter<ProxyEvents> {
  /** Mount on an http.Server: `http.createServer(proxy.handler)`. */
  readonly handler: http.RequestListener;
  /** For the server's 'upgrade' event (websockets and other Upgrade protocols). */
  readonly upgradeHandler: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** A net.Server connection listener forwarding to the L4 endpoint with this URL (`tcp://…`, `tls://…`). */
  connectionHandler(endpointUrl: string): (socket: net.Socket) => void;
  /** `handler` for a server standing for one listener (routing by its port, 421 on TLS). */
  handlerFor(listener: ListenerContext): http.RequestListener;
  /** `upgradeHandler` for a server standing for one listener. */
  upgradeHandlerFor(listener: ListenerContext): (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Wires `handler` and `upgradeHandler` (of `listener`, when given) onto a server. */
  attach(server: http.Server, listener?: ListenerContext): void;
  /** The model being served. */
  readonly model: TranslationModel;
  /** URLs of the model's L4 endpoints (`tcp://…`, `tls://…`), for hosts that open their listeners. */
  readonly l4Endpoints: string[];
  /** Counts for health pages and metrics. */
  stats(): ProxyStats;
  /** Swaps the model atomically; requests in flight finish on the model they started with. */
  update(model: TranslationModel, credentials?: CredentialStore): void;
  /**
   * Swaps the endpoints of the upstreams (EndpointSlices), without touching the model:
   * endpoints that leave or stop being ready get no new requests and their connections drain.
   */
  updateEndpoints(endpoints: UpstreamEndpointMap): void;
  /** Stops taking requests (503 `proxy_closed`), waits for those in flight, then closes every upstream connection. */
  close(): Promise<void>;
}

function credentialsOf(model: TranslationModel): CredentialStore | undefined {
  const value = (model as { credentials?: unknown }).credentials;
  return value !== null && typeof value === 'object' && typeof (value as CredentialStore).replaceWith === 'function'
    ? (value as CredentialStore)
    : undefined;
}

class KupstreamProxy extends EventEmitter<ProxyEvents> implements Proxy {
  #table: RouteTable;
  readonly #credentials: CredentialStore;
  readonly #random: () => number;
  readonly #transport: TransportContext;
  readonly #registry: EndpointRegistry;
  readonly #checker: HealthChecker;
  /** This proxy's token in the hop header (the loop guard); unguessable, so a client cannot fake a loop. */
  readonly #hopToken = randomBytes(9).toString('base64url');
  #inFlight = 0;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(options: ProxyOptions) {
    super();
    const credentials = options.credentials ?? credentialsOf(options.model);
    if (!credentials) throw new TypeError('createProxy needs credentials (a CredentialStore), or a TranslationResult as model');
    this.#credentials = credentials;
    const timeouts = resolveTimeouts(options.timeouts);
    this.#random = options.random ?? Math.random;
    this.#table = compileRouteTable(options.model);
    const traffic = resolveTrafficDefaults(options.traffic);
    const random = this.#random;
    const deny = options.denyUpstreams ? new UpstreamDenyList(options.denyUpstreams) : undefined;
    const registry = new EndpointRegistry({
      defaults: traffic,
      emit: (event) => this.emit('endpoint', event),
      onLive: (upstream, live) => this.#transport?.pools.retireEndpoints(upstream, live),
      // Checks follow the upstreams and their endpoints (none run once the proxy closes).
      onChange: () => this.#checker?.refresh(),
      ...(options.resolve ? { resolved: resolvedBy(options.resolve) } : {}),
    });
    this.#registry = registry;
    this.#checker = new HealthChecker({
      registry,
      credentials,
      ...(options.resolve ? { resolve: options.resolve } : {}),
      ...(deny ? { deny } : {}),
      random,
    });
    this.#checker.setUpstreams(options.model.upstreams);
    this.#transport = {
      pools: new UpstreamPools({
        chooseEndpoint: (upstream) => registry.pickAddress(upstream, random),
        credentials,
        ...(options.resolve ? { resolve: options.resolve } : {}),
        timeouts,
        maxSocketsPerPool: options.maxSocketsPerPool ?? DEFAULT_MAX_SOCKETS_PER_POOL,
        ...(deny ? { deny } : {}),
      }),
      // Response timeouts of every request, behind one timer (they share one duration).
      deadlines: new ResponseDeadlines(timeouts.response),
      answers: new ProxyAnswers(this, options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES),
      tunnels: new Tunnels(),
    };
    registry.sync(options.model.upstreams);
    if (options.endpoints) registry.setEndpoints(options.endpoints);
  }

  get model(): TranslationModel {
    return this.#table.model;
  }

  get l4Endpoints(): string[] {
    return [...this.#table.l4Urls];
  }

  stats(): ProxyStats {
    const { pools, tunnels } = this.#transport;
    return {
      inFlight: this.#inFlight,
      tunnels: tunnels.count,
      pools: pools.stats(),
      upstreams: pools.upstreamStats(this.#table.model.upstreams.map((u) => u.name)),
      caches: pools.cacheStats(),
      traffic: this.#registry.stats(this.#table.model.upstreams.map((u) => u.name)),
      healthChecks: this.#checker.stats(),
      closing: this.#closing !== undefined,
    };
  }

  update(model: TranslationModel, credentials?: CredentialStore): void {
    const table = compileRouteTable(model);
    const next = credentials ?? credentialsOf(model);
    // Unchanged entries keep their version, so their pools (and connections) survive.
    if (next && next !== this.#credentials) this.#credentials.replaceWith(next);
    this.#table = table;
    this.#transport.pools.sync(model.upstreams);
    this.#checker.setUpstreams(model.upstreams);
    this.#registry.sync(model.upstreams);
  }

  updateEndpoints(endpoints: UpstreamEndpointMap): void {
    this.#registry.setEndpoints(endpoints);
  }

  attach(server: http.Server, listener?: ListenerContext): void {
    server.on('request', listener ? this.handlerFor(listener) : this.handler);
    server.on('upgrade', listener ? this.upgradeHandlerFor(listener) : this.upgradeHandler);
  }

  handlerFor(listener: ListenerContext): http.RequestListener {
    return (req, res) => this.#handleSafely(req, res, listener);
  }

  upgradeHandlerFor(listener: ListenerContext): (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void {
    return (req, socket, head) => this.#upgrade(req, socket, head, listener);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Checks stop at once: a closing proxy ejects and readmits nothing.
      this.#checker.close();
      if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      this.#transport.tunnels.destroyAll();
      this.#registry.close();
      this.#transport.pools.destroy();
    })();
    return this.#closing;
  }

  readonly handler: http.RequestListener = (req, res) => this.#handleSafely(req, res, ANY_LISTENER);

  #handleSafely(req: http.IncomingMessage, res: http.ServerResponse, listener: ListenerContext): void {
    // The request path never throws into the server: whatever escapes answers 500.
    try {
      this.#handle(req, res, listener);
    } catch {
      this.#transport.answers.internalError(res, { method: req.method ?? 'GET', path: req.url ?? '' });
    }
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse, listener: ListenerContext): void {
    const { answers } = this.#transport;
    const routed = routeRequest(this.#table, req, this.#closing !== undefined, this.#hopToken, listener);
    if ('refusal' in routed) return answers.answer(res, routed.ctx, routed.refusal.status, routed.refusal.code);
    const { ctx, table, hostHeader, hit, scheme, plan } = routed;
    if (plan.redirect) {
      if (answers.writeHead(res, ctx, plan.redirect.status, { location: plan.redirect.location, 'content-length': 0 })) {
        res.end();
        answers.report(ctx, plan.redirect.status);
      }
      return;
    }
    if (plan.preflight) {
      if (answers.writeHead(res, ctx, 204, plan.preflight)) {
        res.end();
        answers.report(ctx, 204);
      }
      return;
    }
    if (hit.route.route.response) return answers.answer(res, ctx, hit.route.route.response.status);
    const chosen = upstreamOf(hit.route, table, ctx, this.#random);
    if ('refusal' in chosen) return answers.answer(res, ctx, chosen.refusal.status, chosen.refusal.code);
    const { upstream, backend } = chosen;
    // The chosen backend's own filters, after the route's (a redirect there answers too).
    const redirect = backend.filters ? applyFilters(backend.filters, plan, hit.route.listener, hit.match).redirect : undefined;
    if (redirect) {
      if (answers.writeHead(res, ctx, redirect.status, { location: redirect.location, 'content-length': 0 })) {
        res.end();
        answers.report(ctx, redirect.status);
      }
      return;
    }
    if (Number(req.headers['content-length'] ?? 0) > answers.maxBody)
      return answers.answer(res, ctx, 413, 'request_body_too_large', { connection: 'close' });
    plan.headers.host = plan.host;
    delete plan.headers.expect;
    addForwarded(plan.headers, req.socket.remoteAddress, hostHeader, scheme);
    plan.headers[PROXY_HOP_HEADER] = nextHop(req, this.#hopToken);
    this.#inFlight++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (--this.#inFlight === 0) this.#drained?.();
    };
    res.once('close', finish);
    // With a route retry, its attempts are the only replays (the stale keep-alive replay is off).
    const retried = hit.route.route.retry !== undefined;
    const transport: Forwarder = this.#transport.pools.usesHttp2(upstream)
      ? forwardHttp2
      : retried
        ? (...args) => forwardHttp1(...args, 1)
        : forwardHttp1;
    // Each attempt goes through the upstream's circuit breaker and load balancer.
    const forward = balancedForwarder(this.#registry, transport, this.#random);
    forwardWithRoutePolicies(this.#transport, req, res, upstream, plan, ctx, hit.route.route, forward);
    sendMirrors(
      this.#transport,
      req,
      plan.mirrors,
      { method: ctx.method, path: `${plan.path}${plan.search}`, host: plan.host, headers: plan.headers },
      table,
      this.#random,
    );
  }

  readonly upgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void =>
    this.#upgrade(req, socket, head, ANY_LISTENER);

  #upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, listener: ListenerContext): void {
    socket.on('error', () => socket.destroy());
    try {
      const routed = routeRequest(this.#table, req, this.#closing !== undefined, this.#hopToken, listener);
      if ('refusal' in routed) return this.#transport.answers.answerRaw(socket, routed.ctx, routed.refusal.status, routed.refusal.code);
      routed.plan.headers[PROXY_HOP_HEADER] = nextHop(req, this.#hopToken);
      forwardUpgrade(this.#transport, req, socket, head, routed, this.#random);
    } catch {
      socket.destroy();
    }
  }

  connectionHandler(endpointUrl: string): (socket: net.Socket) => void {
    return (socket) => {
      socket.on('error', () => socket.destroy());
      if (this.#closing) return void socket.destroy();
      const table = this.#table;
      const route = table.l4(endpointUrl);
      if (!route) return void socket.destroy();
      forwardL4(this.#transport, socket, endpointUrl, table, route, this.#random);
    };
  }
}

export function createProxy(options: ProxyOptions): Proxy {
  return new KupstreamProxy(options);
}

/** Whether `resolve` maps an upstream's host and port (an upstream whose URL does not parse is not mapped). */
function resolvedBy(resolve: Resolve): (upstream: Upstream) => boolean {
  return (upstream) => {
    try {
      const target = cachedUpstreamTarget(upstream);
      return resolve(target.host, target.port) !== undefined;
    } catch {
      return false;
    }
  };
}
