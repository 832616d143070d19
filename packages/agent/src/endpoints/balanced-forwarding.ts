// A forwarder behind the upstream's circuit breaker and load balancer: the request takes
// a slot (or waits in the bounded queue, or is answered 503 `upstream_overflow` at once),
// is sent to the endpoint the balancer picks, and its outcome — a 5xx, or a failure to
// reach the endpoint — feeds outlier detection. The slot and the endpoint's count are
// given back when the attempt ends (its response is over, or a retry takes over).
import type http from 'node:http';
import type { RequestPlan } from '../filters.js';
import { ProxyAnswers } from '../proxy-answers.js';
import type { RequestContext } from '../proxy.js';
import type { Forwarder } from '../request-attempts.js';
import type { UpstreamError, UpstreamErrorCode } from '../upstream-errors.js';
import type { EndpointRegistry } from './endpoint-registry.js';
import type { EndpointLease } from './upstream-endpoints.js';

/** Failures that say nothing about the endpoint: the proxy's own limits and refusals. */
const NOT_THE_ENDPOINT = new Set<UpstreamErrorCode>(['request_timeout', 'proxy_closed', 'upstream_denied']);

export function balancedForwarder(registry: EndpointRegistry, forward: Forwarder, random: () => number): Forwarder {
  return (t, req, res, upstream, plan, ctx) => {
    const endpoints = registry.get(upstream.name);
    if (!endpoints) return forward(t, req, res, upstream, plan, ctx);
    // Each listener on `res` is taken off once its part is over, so retried attempts do not pile them up.
    let waiting: (() => void) | undefined;
    let granted = false;
    const admission = endpoints.admit((acquire, giveBack) => {
      granted = true;
      if (waiting) res.off('close', waiting);
      if (res.destroyed) return giveBack();
      const lease = acquire(random);
      if (!lease) {
        giveBack();
        return t.answers.answer(res, ctx, 503, 'no_healthy_upstream');
      }
      const release = () => {
        res.off('close', release);
        lease.release();
      };
      res.once('close', release);
      send(
        forward,
        { ...t, answers: new LeaseAnswers(t.answers, lease, release), ...(lease.endpoint ? { endpoint: lease.endpoint } : {}) },
        req,
        res,
        upstream,
        plan,
        ctx,
      );
    });
    if ('overflow' in admission) return t.answers.answer(res, ctx, 503, 'upstream_overflow');
    // Queued: a client that leaves gives its place up.
    if (!granted) res.once('close', (waiting = admission.ticket.cancel));
  };
}

function send(
  forward: Forwarder,
  t: Parameters<Forwarder>[0],
  req: http.IncomingMessage,
  res: http.ServerResponse,
  upstream: Parameters<Forwarder>[3],
  plan: RequestPlan,
  ctx: RequestContext,
): void {
  try {
    forward(t, req, res, upstream, plan, ctx);
  } catch {
    t.answers.internalError(res, ctx);
  }
}

/** The attempt's answers, seen by the lease: the status or the failure is the endpoint's outcome. */
class LeaseAnswers extends ProxyAnswers {
  readonly #base: ProxyAnswers;
  readonly #lease: EndpointLease;
  /** Releases the lease and takes its 'close' listener off the response. */
  readonly #release: () => void;

  constructor(base: ProxyAnswers, lease: EndpointLease, release: () => void) {
    super(base.events, base.maxBody);
    this.#base = base;
    this.#lease = lease;
    this.#release = release;
  }

  override writeHead(res: http.ServerResponse, ctx: RequestContext, status: number, headers: http.OutgoingHttpHeaders): boolean {
    this.#lease.responded(status);
    const written = this.#base.writeHead(res, ctx, status, headers);
    // Not written: a retry took over (or the client left); this attempt is over.
    if (!written) this.#release();
    return written;
  }

  override fail(res: http.ServerResponse, ctx: RequestContext, error: UpstreamError): void {
    // A failure after the client left, or after the head went out, is not the endpoint's verdict.
    if (!res.destroyed && !res.headersSent && error.phase !== 'config' && !NOT_THE_ENDPOINT.has(error.code)) this.#lease.failed();
    this.#release();
    this.#base.fail(res, ctx, error);
  }
}
