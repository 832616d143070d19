// A route's `timeouts` and `retry` around one forwarded request. Each attempt runs the
// transport's forwarder with answers and deadlines of its own: a response head whose status
// the route retries, or a failure to reach the upstream, is held back and the request sent
// again after the backoff; `timeouts.backendRequest` bounds each attempt until its response
// head, `timeouts.request` the whole exchange until the response head. Only requests without
// a body are retried (a streamed body cannot be sent twice); they still get both timeouts.
import type http from 'node:http';
import type { Route, Upstream } from '@kupstream/core';
import type { RequestPlan } from './filters.js';
import { ProxyAnswers } from './proxy-answers.js';
import type { RequestContext } from './proxy.js';
import { DEFAULT_RETRY_BACKOFF_MS } from './timeouts/defaults.js';
import type { Deadline } from './timeouts/response-deadline.js';
import type { TransportContext } from './transport-context.js';
import { UpstreamError, type UpstreamErrorCode } from './upstream-errors.js';

export type Forwarder = (
  t: TransportContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  upstream: Upstream,
  plan: RequestPlan,
  ctx: RequestContext,
) => void;

/** Failures before a response head that a retry may cure: the request did not get an answer. */
const RETRIED_FAILURES = new Set<UpstreamErrorCode>([
  'connection_refused',
  'connection_failed',
  'connect_timeout',
  'connection_reset',
  'backend_timeout',
]);

/** Failures of reaching the upstream at all: when retries run out on one, 503 `retries_exhausted`. */
const CONNECTION_FAILURES = new Set<UpstreamErrorCode>(['connection_refused', 'connection_failed', 'connect_timeout', 'connection_reset']);

function hasBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** Forwards through `forward`, honouring the route's timeouts and retry (directly when it has neither). */
export function forwardWithRoutePolicies(
  t: TransportContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  upstream: Upstream,
  plan: RequestPlan,
  ctx: RequestContext,
  route: Route,
  forward: Forwarder,
): void {
  const { timeouts, retry } = route;
  if (!timeouts && !retry) return forward(t, req, res, upstream, plan, ctx);
  new RouteExchange(t, req, res, upstream, plan, ctx, route, forward).start();
}

class RouteExchange {
  readonly #retries: number;
  readonly #codes: ReadonlySet<number>;
  readonly #backoffMs: number;
  /** The route's `timeouts.backendRequest`, armed by each attempt. */
  readonly backendMs: number | undefined;
  #attempt = 0;
  /** The answer is decided (sent, or being sent by an attempt): later events are ignored. */
  #settled = false;
  #current: Attempt | undefined;
  #requestTimer: NodeJS.Timeout | undefined;
  #backoffTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly t: TransportContext,
    readonly req: http.IncomingMessage,
    readonly res: http.ServerResponse,
    readonly upstream: Upstream,
    readonly plan: RequestPlan,
    readonly ctx: RequestContext,
    route: Route,
    readonly forward: Forwarder,
  ) {
    this.#retries = route.retry && !hasBody(req) ? route.retry.attempts : 0;
    this.#codes = new Set(route.retry?.codes ?? []);
    this.#backoffMs = route.retry?.backoffMs ?? DEFAULT_RETRY_BACKOFF_MS;
    this.backendMs = route.timeouts?.backendRequestMs;
    const requestMs = route.timeouts?.requestMs;
    if (requestMs) this.#requestTimer = setTimeout(() => this.#requestTimedOut(requestMs), requestMs);
    // Every attempt's forwarder listens for the client going away.
    if (this.#retries > 5) res.setMaxListeners(this.#retries + 10);
    res.once('close', () => this.#stop());
  }

  start(): void {
    this.#current = new Attempt(this);
    this.forward(this.#current.transport(), this.req, this.res, this.upstream, this.plan, this.ctx);
  }

  /** Whether an attempt's response head with this status is retried instead of sent. */
  retriesStatus(status: number): boolean {
    if (this.#settled || !this.#codes.has(status) || this.#attempt >= this.#retries) return false;
    this.#retry();
    return true;
  }

  /** Whether an attempt's failure is retried instead of answered. */
  retriesFailure(error: UpstreamError): boolean {
    if (this.#settled || !RETRIED_FAILURES.has(error.code) || this.#retries === 0) return false;
    if (this.#attempt < this.#retries) {
      this.t.answers.events.emit('upstreamError', { ...this.ctx, error });
      this.#retry();
      return true;
    }
    if (!CONNECTION_FAILURES.has(error.code)) return false;
    // Out of retries on a failure to reach the upstream: the Gateway API expects 500 or 503.
    this.#settle();
    this.t.answers.events.emit('upstreamError', { ...this.ctx, error });
    if (!this.res.headersSent && !this.res.destroyed) this.t.answers.answer(this.res, this.ctx, 503, 'retries_exhausted');
    return true;
  }

  /** The attempt's response head goes out: nothing more to decide. */
  settle(): void {
    this.#settle();
  }

  get settled(): boolean {
    return this.#settled;
  }

  #retry(): void {
    this.#current?.retire();
    this.#attempt++;
    this.#backoffTimer = setTimeout(() => {
      this.#backoffTimer = undefined;
      if (!this.#settled && !this.res.destroyed) this.start();
    }, this.#backoffMs);
  }

  #requestTimedOut(ms: number): void {
    this.#requestTimer = undefined;
    if (this.#settled) return;
    const error = new UpstreamError('request_timeout', `no response within ${ms} ms (the route's timeouts.request)`, {
      phase: 'request',
      upstream: this.upstream.name,
    });
    this.#settle();
    this.#current?.abort(error);
    this.t.answers.fail(this.res, this.ctx, error);
  }

  #settle(): void {
    this.#settled = true;
    clearTimeout(this.#backoffTimer);
    clearTimeout(this.#requestTimer);
  }

  #stop(): void {
    clearTimeout(this.#backoffTimer);
    clearTimeout(this.#requestTimer);
    this.#settled = true;
  }
}

/** One try at the upstream: its own answers (held back for a retry) and deadlines (backendRequest). */
class Attempt {
  #retired = false;
  #abort: ((error: UpstreamError) => void) | undefined;
  readonly #timers = new Map<Deadline, NodeJS.Timeout>();

  constructor(readonly exchange: RouteExchange) {}

  /** A later attempt took over: whatever this one still reports is dropped, its request cut. */
  retire(): void {
    this.#retired = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
  }

  abort(error: UpstreamError): void {
    this.retire();
    this.#abort?.(error);
  }

  transport(): TransportContext {
    const { t } = this.exchange;
    return { ...t, answers: new AttemptAnswers(t.answers, this), deadlines: this.#deadlines() };
  }

  get retired(): boolean {
    return this.#retired;
  }

  #deadlines(): TransportContext['deadlines'] {
    const { t, backendMs } = this.exchange;
    return {
      arm: (upstream, abort) => {
        this.#abort = abort;
        const deadline = t.deadlines.arm(upstream, abort);
        if (backendMs) {
          const timer = setTimeout(
            () =>
              abort(
                new UpstreamError('backend_timeout', `no response headers within ${backendMs} ms (the route's timeouts.backendRequest)`, {
                  phase: 'request',
                  upstream,
                }),
              ),
            backendMs,
          );
          this.#timers.set(deadline, timer);
        }
        return deadline;
      },
      cancel: (deadline) => {
        t.deadlines.cancel(deadline);
        if (!deadline) return;
        clearTimeout(this.#timers.get(deadline));
        this.#timers.delete(deadline);
      },
    };
  }
}

/** The attempt's view of the proxy's answers: retried heads and failures never reach the client. */
class AttemptAnswers extends ProxyAnswers {
  readonly #base: ProxyAnswers;
  readonly #attempt: Attempt;

  constructor(base: ProxyAnswers, attempt: Attempt) {
    super(base.events, base.maxBody);
    this.#base = base;
    this.#attempt = attempt;
  }

  override writeHead(res: http.ServerResponse, ctx: RequestContext, status: number, headers: http.OutgoingHttpHeaders): boolean {
    const exchange = this.#attempt.exchange;
    if (this.#attempt.retired || exchange.settled) return false;
    if (exchange.retriesStatus(status)) return false;
    exchange.settle();
    return this.#base.writeHead(res, ctx, status, headers);
  }

  override fail(res: http.ServerResponse, ctx: RequestContext, error: UpstreamError): void {
    const exchange = this.#attempt.exchange;
    if (this.#attempt.retired) return;
    if (!exchange.settled && exchange.retriesFailure(error)) return;
    exchange.settle();
    this.#base.fail(res, ctx, error);
  }
}
