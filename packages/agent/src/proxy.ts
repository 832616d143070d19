// createProxy: the model served as a reverse proxy. HTTP/1.1 and HTTP/2 upstreams through
// per-identity pools, Upgrade tunnels, L4 (tcp/tls) forwarding, typed failures as 502/504
// (500 for an unavailable upstream) with `x-kupstream-error`, and an atomic model swap.
// HTTP/1.1 goes through undici Pools (http1-forwarding.ts); bodies stream with
// backpressure, never buffered.
import { EventEmitter } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import type { CredentialStore, TranslationModel, Upstream } from '@kupstream/core';
import type { Dispatcher } from 'undici';
import { applyFilters, modifyHeaders, type RequestPlan } from './filters.js';
import { addForwarded, endToEnd, forHttp2, requestHead } from './http-headers.js';
import { Http1Forwarding } from './http1-forwarding.js';
import { ANY_LISTENER, type ListenerContext } from './listeners/listener-context.js';
import { UpstreamPools, type UpstreamPoolStats } from './pools.js';
import type { ProxyAddresses } from './proxy-protocol.js';
import { compileRouteTable, pickBackend, type CompiledRoute, type RequestFacts, type RouteHit, type RouteTable } from './router.js';
import { DeadlineQueue } from './timeouts/deadlines.js';
import { DEFAULT_MAX_REQUEST_BODY_BYTES, DEFAULT_MAX_SOCKETS_PER_POOL, resolveTimeouts, type Timeouts } from './timeouts/defaults.js';
import { classifyUpstreamError, UpstreamError, type UpstreamErrorCode } from './upstream-errors.js';
import { cachedUpstreamTarget, type Resolve } from './upstream-target.js';

export interface ProxyOptions {
  /** A model, or a TranslationResult (whose `credentials` are used when none are given). */
  model: TranslationModel;
  credentials?: CredentialStore;
  resolve?: Resolve;
  timeouts?: Partial<Timeouts>;
  maxSocketsPerPool?: number;
  /** Larger request bodies get 413 `request_body_too_large`; default DEFAULT_MAX_REQUEST_BODY_BYTES (10 MiB). */
  maxRequestBodyBytes?: number;
  /** Weighted backend choice; returns [0, 1). Default Math.random. */
  random?: () => number;
}

/** Codes the proxy itself answers with (besides the UpstreamError codes). */
export type ProxyResponseCode =
  'route_not_found' | 'backend_not_found' | 'no_backend' | 'proxy_closed' | 'request_body_too_large' | 'misdirected_request';

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
  closing: boolean;
}

export interface ProxyEvents {
  upstreamError: [UpstreamErrorEvent];
  response: [ResponseEvent];
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
  /** Stops taking requests (503 `proxy_closed`), waits for those in flight, then closes every upstream connection. */
  close(): Promise<void>;
}

/** Host header; on HTTP/2 (the compatibility API) `:authority`, never a `host` header over it. */
function hostHeaderOf(req: http.IncomingMessage): string {
  const authority = req.headers[':authority'];
  if (req.httpVersionMajor === 2 && typeof authority === 'string') return authority;
  return req.headers.host ?? (typeof authority === 'string' ? authority : '');
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** An idempotent request without a body can be sent again. */
function isReplayable(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return IDEMPOTENT.has(req.method ?? '') && (length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined;
}

const STATUS_TEXT: Record<number, string> = {
  404: 'Not Found',
  413: 'Content Too Large',
  421: 'Misdirected Request',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function withoutConnection(headers: http.OutgoingHttpHeaders): http.OutgoingHttpHeaders {
  const { connection: _connection, ...rest } = headers;
  return rest;
}

function credentialsOf(model: TranslationModel): CredentialStore | undefined {
  const value = (model as { credentials?: unknown }).credentials;
  return value !== null && typeof value === 'object' && typeof (value as CredentialStore).replaceWith === 'function'
    ? (value as CredentialStore)
    : undefined;
}

/** A request matched to a route of one model's table, with its filter plan. */
interface Routed {
  ctx: RequestContext;
  table: RouteTable;
  hostHeader: string;
  hit: RouteHit;
  scheme: string;
  plan: RequestPlan;
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

function proxyAddresses(socket: net.Socket | Duplex): ProxyAddresses | undefined {
  const s = socket as net.Socket;
  if (!s.remoteAddress || !s.localAddress || s.remotePort === undefined || s.localPort === undefined) return undefined;
  return { source: { address: s.remoteAddress, port: s.remotePort }, destination: { address: s.localAddress, port: s.localPort } };
}

class KupstreamProxy extends EventEmitter<ProxyEvents> implements Proxy {
  #table: RouteTable;
  readonly #credentials: CredentialStore;
  readonly #pools: UpstreamPools;
  readonly #timeouts: Timeouts;
  readonly #random: () => number;
  readonly #maxBody: number;
  readonly #tunnels = new Set<Duplex>();
  /** Response timeouts of every request, behind one timer (they share one duration). */
  readonly #responseDeadlines: DeadlineQueue;
  #inFlight = 0;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(options: ProxyOptions) {
    super();
    const credentials = options.credentials ?? credentialsOf(options.model);
    if (!credentials) throw new TypeError('createProxy needs credentials (a CredentialStore), or a TranslationResult as model');
    this.#credentials = credentials;
    this.#timeouts = resolveTimeouts(options.timeouts);
    this.#responseDeadlines = new DeadlineQueue(this.#timeouts.response);
    this.#random = options.random ?? Math.random;
    this.#maxBody = options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES;
    this.#table = compileRouteTable(options.model);
    this.#pools = new UpstreamPools({
      credentials,
      ...(options.resolve ? { resolve: options.resolve } : {}),
      timeouts: this.#timeouts,
      maxSocketsPerPool: options.maxSocketsPerPool ?? DEFAULT_MAX_SOCKETS_PER_POOL,
    });
  }

  get model(): TranslationModel {
    return this.#table.model;
  }

  get l4Endpoints(): string[] {
    return [...this.#table.l4Urls];
  }

  stats(): ProxyStats {
    return {
      inFlight: this.#inFlight,
      tunnels: this.#tunnels.size / 2,
      pools: this.#pools.stats(),
      upstreams: this.#pools.upstreamStats(this.#table.model.upstreams.map((u) => u.name)),
      caches: this.#pools.cacheStats(),
      closing: this.#closing !== undefined,
    };
  }

  update(model: TranslationModel, credentials?: CredentialStore): void {
    const table = compileRouteTable(model);
    const next = credentials ?? credentialsOf(model);
    // Unchanged entries keep their version, so their pools (and connections) survive.
    if (next && next !== this.#credentials) this.#credentials.replaceWith(next);
    this.#table = table;
    this.#pools.sync(model.upstreams);
  }

  attach(server: http.Server, listener?: ListenerContext): void {
    server.on('request', listener ? this.handlerFor(listener) : this.handler);
    server.on('upgrade', listener ? this.upgradeHandlerFor(listener) : this.upgradeHandler);
  }

  handlerFor(listener: ListenerContext): http.RequestListener {
    return (req, res) => this.#handle(req, res, listener);
  }

  upgradeHandlerFor(listener: ListenerContext): (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void {
    return (req, socket, head) => this.#upgrade(req, socket, head, listener);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      for (const tunnel of this.#tunnels) tunnel.destroy();
      this.#pools.destroy();
    })();
    return this.#closing;
  }

  /**
   * What requests and upgrades share: the route for the request (against the table of
   * this moment, so an update() mid-request cannot mix models) and its filter plan, or
   * the refusal when there is none.
   */
  #route(
    req: http.IncomingMessage,
    listener: ListenerContext,
  ): Routed | { ctx: RequestContext; refusal: { status: number; code: ProxyResponseCode } } {
    const table = this.#table;
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q === -1 ? raw : raw.slice(0, q);
    const search = q === -1 ? '' : raw.slice(q);
    const ctx: RequestContext = { method: req.method ?? 'GET', path };
    if (this.#closing) return { ctx, refusal: { status: 503, code: 'proxy_closed' } };
    const hostHeader = hostHeaderOf(req);
    if (listener.hostAllowed && !listener.hostAllowed(hostHeader, req))
      return { ctx, refusal: { status: 421, code: 'misdirected_request' } };
    const hit = table.route(hostHeader, new IncomingFacts(ctx.method, path, search, req.headers), listener.port);
    // Endpoints on a port that has a listener of its own are served there only.
    if (!hit || listener.excludedPorts?.has(hit.route.port)) return { ctx, refusal: { status: 404, code: 'route_not_found' } };
    ctx.endpoint = hit.route.endpoint.name;
    ctx.route = hit.route.route.name;
    const scheme = schemeOf(hit.route.endpoint.url);
    const plan = applyFilters(
      hit.route.route.filters,
      { host: hostHeader, path, search, headers: endToEnd(req.headers), responseModifiers: [] },
      scheme,
      hit.match,
    );
    return { ctx, table, hostHeader, hit, scheme, plan };
  }

  readonly handler: http.RequestListener = (req, res) => this.#handle(req, res, ANY_LISTENER);

  #handle(req: http.IncomingMessage, res: http.ServerResponse, listener: ListenerContext): void {
    const routed = this.#route(req, listener);
    if ('refusal' in routed) return this.#answer(res, routed.ctx, routed.refusal.status, routed.refusal.code);
    const { ctx, table, hostHeader, hit, scheme, plan } = routed;
    if (plan.redirect) {
      res.writeHead(plan.redirect.status, { location: plan.redirect.location, 'content-length': 0 }).end();
      this.#report(ctx, plan.redirect.status);
      return;
    }
    if (hit.route.route.response) return this.#answer(res, ctx, hit.route.route.response.status);
    const upstream = this.#upstreamFor(hit.route, res, ctx, table);
    if (!upstream) return;
    ctx.upstream = upstream.name;
    if (Number(req.headers['content-length'] ?? 0) > this.#maxBody)
      return this.#answer(res, ctx, 413, 'request_body_too_large', { connection: 'close' });
    plan.headers.host = plan.host;
    delete plan.headers.expect;
    addForwarded(plan.headers, req.socket.remoteAddress, hostHeader, scheme);
    this.#inFlight++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (--this.#inFlight === 0) this.#drained?.();
    };
    res.once('close', finish);
    if (upstream.protocol === 'http2') this.#forwardHttp2(req, res, upstream, plan, ctx);
    else this.#forwardHttp1(req, res, upstream, plan, ctx);
  }

  #upstreamFor(route: CompiledRoute, res: http.ServerResponse | undefined, ctx: RequestContext, table: RouteTable): Upstream | undefined {
    const backend = pickBackend(route, this.#random);
    // Gateway API: requests to an invalid backend (or none) are answered 500.
    if (!backend) {
      if (res) this.#answer(res, ctx, 500, 'no_backend');
      return undefined;
    }
    const upstream = table.upstreams.get(backend.upstream);
    if (!upstream) {
      if (res) this.#answer(res, ctx, 500, 'backend_not_found');
      return undefined;
    }
    return upstream;
  }

  #forwardHttp1(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    upstream: Upstream,
    plan: RequestPlan,
    ctx: RequestContext,
    attempt = 0,
  ): void {
    if (upstream.proxyProtocolVersion) return this.#forwardUnpooled(req, res, upstream, plan, ctx);
    let pool;
    try {
      pool = this.#pools.http1(upstream);
    } catch (err) {
      return this.#fail(res, ctx, classifyUpstreamError(err, { phase: 'config', upstream: upstream.name }));
    }
    const replayable = isReplayable(req);
    const forwarding = new Http1Forwarding(
      res,
      plan.responseModifiers,
      {
        responding: (status) => this.#reportOnFinish(res, ctx, status),
        failed: (err, reusedConnection) => {
          const error = classifyUpstreamError(err, { phase: 'request', upstream: upstream.name, established: true });
          // A kept-alive connection the upstream closed just as we reused it: the request never
          // reached it, so a bodiless idempotent request is sent once more on a fresh connection.
          if (
            attempt === 0 &&
            reusedConnection &&
            replayable &&
            error.code === 'connection_reset' &&
            error.phase === 'request' &&
            !res.headersSent &&
            !res.destroyed
          ) {
            return this.#forwardHttp1(req, res, upstream, plan, ctx, 1);
          }
          this.#fail(res, ctx, error);
        },
      },
      this.#responseDeadlines,
    );
    forwarding.deadline = this.#responseDeadlines.add(() =>
      forwarding.cancel(
        new UpstreamError('response_timeout', `no response headers within ${this.#timeouts.response} ms`, {
          phase: 'request',
          upstream: upstream.name,
        }),
      ),
    );
    // A client that goes away takes its upstream request with it.
    res.once('close', () => {
      if (!res.writableFinished)
        forwarding.cancel(new UpstreamError('connection_reset', 'the client went away', { phase: 'request', upstream: upstream.name }));
    });
    let body: PassThrough | null = null;
    if (replayable) {
      req.resume();
    } else {
      // Through a PassThrough: undici destroys a body it gives up on, and that must not be the client's request.
      body = new PassThrough();
      this.#limitBody(req, res, ctx, () =>
        forwarding.cancel(new UpstreamError('connection_reset', 'request body too large', { phase: 'request', upstream: upstream.name })),
      );
      req.pipe(body);
    }
    pool.dispatch(
      {
        path: `${plan.path}${plan.search}`,
        method: ctx.method as Dispatcher.HttpMethod,
        headers: plan.headers as Record<string, string | string[]>,
        body,
      },
      forwarding,
    );
  }

  /** PROXY protocol upstreams: one fresh connection per request, as the header names one client. */
  #forwardUnpooled(req: http.IncomingMessage, res: http.ServerResponse, upstream: Upstream, plan: RequestPlan, ctx: RequestContext): void {
    let options: http.RequestOptions;
    try {
      const target = cachedUpstreamTarget(upstream);
      const addresses = proxyAddresses(req.socket);
      options = {
        host: target.host,
        port: target.port,
        method: ctx.method,
        path: `${plan.path}${plan.search}`,
        headers: { ...plan.headers, connection: 'close' },
        setHost: false,
      };
      // (No `agent` at all: with `agent: false` Node makes a fresh Agent and ignores createConnection.)
      options.createConnection = ((_o: unknown, cb: (err: Error | null, s?: Duplex) => void) => {
        this.#pools.connect(upstream, addresses ? { proxyProtocol: addresses } : {}).then(
          (s) => cb(null, s),
          (err: Error) => cb(err),
        );
        return undefined;
      }) as unknown as http.RequestOptions['createConnection'];
    } catch (err) {
      return this.#fail(res, ctx, classifyUpstreamError(err, { phase: 'config', upstream: upstream.name }));
    }
    const upReq = http.request(options);
    const deadlines = this.#responseDeadlines;
    const deadline = deadlines.add(() =>
      upReq.destroy(
        new UpstreamError('response_timeout', `no response headers within ${this.#timeouts.response} ms`, {
          phase: 'request',
          upstream: upstream.name,
        }),
      ),
    );
    upReq.on('error', (err) => {
      deadlines.cancel(deadline);
      this.#fail(res, ctx, classifyUpstreamError(err, { phase: 'request', upstream: upstream.name, established: true }));
    });
    upReq.on('response', (upRes) => {
      deadlines.cancel(deadline);
      const headers = endToEnd(upRes.headers);
      for (const modifier of plan.responseModifiers) modifyHeaders(headers, modifier);
      const status = upRes.statusCode ?? 502;
      res.writeHead(status, headers);
      upRes.pipe(res);
      // The upstream went away mid-body: reported, and the client's response is cut short.
      upRes.on('error', (err) =>
        this.#fail(res, ctx, classifyUpstreamError(err, { phase: 'request', upstream: upstream.name, established: true })),
      );
      this.#reportOnFinish(res, ctx, status);
    });
    // A client that goes away takes its upstream request with it.
    res.once('close', () => {
      deadlines.cancel(deadline);
      if (!res.writableFinished) upReq.destroy();
    });
    if (isReplayable(req)) {
      req.resume();
      upReq.end();
    } else {
      this.#limitBody(req, res, ctx, () => upReq.destroy());
      req.pipe(upReq);
    }
  }

  #forwardHttp2(req: http.IncomingMessage, res: http.ServerResponse, upstream: Upstream, plan: RequestPlan, ctx: RequestContext): void {
    let secure: boolean;
    try {
      secure = cachedUpstreamTarget(upstream).secure;
    } catch (err) {
      return this.#fail(res, ctx, classifyUpstreamError(err, { phase: 'config', upstream: upstream.name }));
    }
    // Through a promise: a fail-closed identity throws, and must become a 502, not an exception.
    Promise.resolve(upstream)
      .then((u) => this.#pools.http2Session(u))
      .then(
        (session: http2.ClientHttp2Session) => {
          if (res.destroyed) return;
          const headers = {
            ...forHttp2(plan.headers),
            ':method': ctx.method,
            ':path': `${plan.path}${plan.search}`,
            ':authority': plan.host,
            ':scheme': secure ? 'https' : 'http',
          };
          let stream: http2.ClientHttp2Stream;
          try {
            stream = session.request(headers);
            this.#pools.trackStream(session, stream);
          } catch (err) {
            return this.#fail(res, ctx, classifyUpstreamError(err, { phase: 'request', upstream: upstream.name }));
          }
          const deadlines = this.#responseDeadlines;
          const deadline = deadlines.add(() =>
            stream.destroy(
              new UpstreamError('response_timeout', `no response headers within ${this.#timeouts.response} ms`, {
                phase: 'request',
                upstream: upstream.name,
              }),
            ),
          );
          stream.on('error', (err) => {
            deadlines.cancel(deadline);
            this.#fail(res, ctx, classifyUpstreamError(err, { phase: 'request', upstream: upstream.name, established: true }));
          });
          stream.on('response', (h2headers) => {
            deadlines.cancel(deadline);
            const status = Number(h2headers[':status'] ?? 502);
            const out = endToEnd(h2headers);
            for (const modifier of plan.responseModifiers) modifyHeaders(out, modifier);
            res.writeHead(status, out);
            stream.pipe(res);
            this.#reportOnFinish(res, ctx, status);
          });
          stream.on('close', () => {
            deadlines.cancel(deadline);
            if (!res.headersSent && stream.rstCode)
              this.#fail(
                res,
                ctx,
                new UpstreamError('protocol_error', `upstream reset the HTTP/2 stream (code ${stream.rstCode})`, {
                  phase: 'request',
                  upstream: upstream.name,
                }),
              );
          });
          res.once('close', () => {
            if (!res.writableFinished && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
          });
          this.#limitBody(req, res, ctx, () => stream.close(http2.constants.NGHTTP2_CANCEL));
          req.pipe(stream);
        },
        (err: unknown) => this.#fail(res, ctx, classifyUpstreamError(err, { phase: 'config', upstream: upstream.name })),
      );
  }

  readonly upgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void =>
    this.#upgrade(req, socket, head, ANY_LISTENER);

  #upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, listener: ListenerContext): void {
    socket.on('error', () => socket.destroy());
    const routed = this.#route(req, listener);
    if ('refusal' in routed) return this.#answerRaw(socket, routed.ctx, routed.refusal.status, routed.refusal.code);
    const { ctx, table, hostHeader, hit, scheme, plan } = routed;
    if (plan.redirect || hit.route.route.response)
      return this.#answerRaw(socket, ctx, hit.route.route.response?.status ?? 500, 'no_backend');
    const upstream = this.#upstreamFor(hit.route, undefined, ctx, table);
    if (!upstream) return this.#answerRaw(socket, ctx, 500, 'no_backend');
    ctx.upstream = upstream.name;
    if (upstream.protocol === 'http2') {
      return this.#failRaw(
        socket,
        ctx,
        new UpstreamError('protocol_error', 'Upgrade is not supported towards an HTTP/2 upstream', {
          phase: 'config',
          upstream: upstream.name,
        }),
      );
    }
    // The end-to-end headers plus the Upgrade pair itself, which is what the tunnel is for.
    const headers = { ...plan.headers, host: plan.host, connection: 'upgrade', upgrade: req.headers.upgrade ?? '' };
    addForwarded(headers, req.socket.remoteAddress, hostHeader, scheme);
    const addresses = upstream.proxyProtocolVersion ? proxyAddresses(req.socket) : undefined;
    this.#pools.connect(upstream, addresses ? { proxyProtocol: addresses } : {}).then(
      (upSocket) => {
        if (socket.destroyed) return upSocket.destroy();
        upSocket.write(requestHead(ctx.method, `${plan.path}${plan.search}`, headers));
        if (head.length) upSocket.write(head);
        this.#tunnel(socket, upSocket);
      },
      (err: unknown) => this.#failRaw(socket, ctx, classifyUpstreamError(err, { phase: 'config', upstream: upstream.name })),
    );
  }

  connectionHandler(endpointUrl: string): (socket: net.Socket) => void {
    return (socket) => {
      const ctx: RequestContext = { method: 'CONNECT', path: endpointUrl };
      socket.on('error', () => socket.destroy());
      if (this.#closing) return void socket.destroy();
      const table = this.#table;
      const route = table.l4(endpointUrl);
      if (!route) return void socket.destroy();
      ctx.endpoint = route.endpoint.name;
      ctx.route = route.route.name;
      const upstream = this.#upstreamFor(route, undefined, ctx, table);
      if (!upstream) return void socket.destroy();
      ctx.upstream = upstream.name;
      socket.pause();
      const addresses = upstream.proxyProtocolVersion ? proxyAddresses(socket) : undefined;
      this.#pools.connect(upstream, addresses ? { proxyProtocol: addresses } : {}).then(
        (upSocket) => {
          if (socket.destroyed) return upSocket.destroy();
          this.#tunnel(socket, upSocket);
          socket.resume();
        },
        (err: unknown) => {
          this.emit('upstreamError', { ...ctx, error: classifyUpstreamError(err, { phase: 'config', upstream: upstream.name }) });
          socket.destroy();
        },
      );
    };
  }

  #tunnel(a: Duplex, b: Duplex): void {
    this.#tunnels.add(a);
    this.#tunnels.add(b);
    const end = () => {
      a.destroy();
      b.destroy();
      this.#tunnels.delete(a);
      this.#tunnels.delete(b);
    };
    a.on('error', end);
    b.on('error', end);
    a.on('close', end);
    b.on('close', end);
    a.pipe(b);
    b.pipe(a);
  }

  /** A body without Content-Length (chunked) is counted as it streams; past the limit the upstream request is dropped. */
  #limitBody(req: http.IncomingMessage, res: http.ServerResponse, ctx: RequestContext, abort: () => void): void {
    if (req.headers['content-length'] !== undefined) return;
    let seen = 0;
    const count = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen <= this.#maxBody) return;
      req.off('data', count);
      req.unpipe();
      abort();
      if (res.headersSent) return void res.destroy();
      this.#answer(res, ctx, 413, 'request_body_too_large', { connection: 'close' });
    };
    req.on('data', count);
  }

  // 'response' event objects are only built for someone listening (the request log, metrics).
  #report(ctx: RequestContext, status: number, code?: ProxyResponseCode | UpstreamErrorCode): void {
    if (this.listenerCount('response') > 0) this.emit('response', { ...ctx, status, ...(code ? { code } : {}) });
  }

  /** Reports the response once it is fully written. */
  #reportOnFinish(res: http.ServerResponse, ctx: RequestContext, status: number): void {
    if (this.listenerCount('response') > 0) res.once('finish', () => this.#report(ctx, status));
  }

  #answer(
    res: http.ServerResponse,
    ctx: RequestContext,
    status: number,
    code?: ProxyResponseCode | UpstreamErrorCode,
    extra: http.OutgoingHttpHeaders = {},
  ): void {
    const body = `${status} ${STATUS_TEXT[status] ?? http.STATUS_CODES[status] ?? ''}${code ? `: ${code}` : ''}\n`;
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...(code ? { 'x-kupstream-error': code } : {}),
      // HTTP/2 has no Connection header (the compatibility API throws on one).
      ...(res.req?.httpVersionMajor === 2 ? withoutConnection(extra) : extra),
    });
    res.end(body);
    this.#report(ctx, status, code);
  }

  #fail(res: http.ServerResponse, ctx: RequestContext, error: UpstreamError): void {
    // Already answered by the proxy (413), or the client left: the upstream request was dropped on purpose.
    if (res.writableEnded || res.destroyed) return;
    this.emit('upstreamError', { ...ctx, error });
    // Headers already went out: all we can do is cut the response short.
    if (res.headersSent) return void res.destroy();
    this.#answer(res, ctx, error.status, error.code);
  }

  #answerRaw(socket: Duplex, ctx: RequestContext, status: number, code: ProxyResponseCode | UpstreamErrorCode): void {
    const body = `${status} ${STATUS_TEXT[status] ?? ''}: ${code}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-kupstream-error: ${code}\r\nconnection: close\r\n\r\n${body}`,
    );
    this.emit('response', { ...ctx, status, code });
  }

  #failRaw(socket: Duplex, ctx: RequestContext, error: UpstreamError): void {
    this.emit('upstreamError', { ...ctx, error });
    if (!socket.destroyed) this.#answerRaw(socket, ctx, error.status, error.code);
  }
}

export function createProxy(options: ProxyOptions): Proxy {
  return new KupstreamProxy(options);
}
