// Forwarding one request to an HTTP/1.1 upstream: through the upstream's undici Pool
// (http1-forwarding.ts streams the answer back), with one replay of a bodiless idempotent
// request whose kept-alive connection the upstream closed under it; or, for PROXY
// protocol upstreams, over a fresh connection per request with http.request.
import http from 'node:http';
import { PassThrough, type Duplex } from 'node:stream';
import type { Upstream } from '@kupstream/core';
import type { Dispatcher } from 'undici';
import { modifyHeaders, type RequestPlan } from './filters.js';
import { endToEnd } from './http-headers.js';
import { Http1Forwarding } from './http1-forwarding.js';
import type { RequestContext } from './proxy.js';
import { socketAddresses } from './proxy-protocol.js';
import type { TransportContext } from './transport-context.js';
import { classifyUpstreamError, UpstreamError } from './upstream-errors.js';
import { cachedUpstreamTarget } from './upstream-target.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** An idempotent request without a body can be sent again. */
function isReplayable(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return IDEMPOTENT.has(req.method ?? '') && (length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined;
}

export function forwardHttp1(
  t: TransportContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  upstream: Upstream,
  plan: RequestPlan,
  ctx: RequestContext,
  attempt = 0,
): void {
  if (upstream.proxyProtocolVersion) return forwardUnpooled(t, req, res, upstream, plan, ctx);
  const { answers, deadlines } = t;
  let pool;
  try {
    pool = t.pools.http1(upstream, t.endpoint);
  } catch (err) {
    return answers.fail(res, ctx, classifyUpstreamError(err, { phase: 'config', upstream: upstream.name }));
  }
  const replayable = isReplayable(req);
  const forwarding = new Http1Forwarding(
    res,
    plan.responseModifiers,
    {
      responding: (status) => answers.reportOnFinish(res, ctx, status),
      writeHead: (status, headers) => answers.writeHead(res, ctx, status, headers),
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
          return forwardHttp1(t, req, res, upstream, plan, ctx, 1);
        }
        answers.fail(res, ctx, error);
      },
    },
    deadlines,
  );
  forwarding.deadline = deadlines.arm(upstream.name, (error) => forwarding.cancel(error));
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
    answers.limitBody(req, res, ctx, () =>
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
function forwardUnpooled(
  t: TransportContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  upstream: Upstream,
  plan: RequestPlan,
  ctx: RequestContext,
): void {
  const { answers, deadlines } = t;
  let options: http.RequestOptions;
  try {
    const target = cachedUpstreamTarget(upstream);
    const addresses = socketAddresses(req.socket);
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
      t.pools
        .connect(upstream, { ...(addresses ? { proxyProtocol: addresses } : {}), ...(t.endpoint ? { endpoint: t.endpoint } : {}) })
        .then(
          (s) => cb(null, s),
          (err: Error) => cb(err),
        );
      return undefined;
    }) as unknown as http.RequestOptions['createConnection'];
  } catch (err) {
    return answers.fail(res, ctx, classifyUpstreamError(err, { phase: 'config', upstream: upstream.name }));
  }
  const upReq = http.request(options);
  const deadline = deadlines.arm(upstream.name, (error) => upReq.destroy(error));
  upReq.on('error', (err) => {
    deadlines.cancel(deadline);
    answers.fail(res, ctx, classifyUpstreamError(err, { phase: 'request', upstream: upstream.name, established: true }));
  });
  upReq.on('response', (upRes) => {
    deadlines.cancel(deadline);
    const headers = endToEnd(upRes.headers);
    for (const modifier of plan.responseModifiers) modifyHeaders(headers, modifier);
    const status = upRes.statusCode ?? 502;
    if (!answers.writeHead(res, ctx, status, headers)) return void upReq.destroy();
    upRes.pipe(res);
    // The upstream went away mid-body: reported, and the client's response is cut short.
    upRes.on('error', (err) =>
      answers.fail(res, ctx, classifyUpstreamError(err, { phase: 'request', upstream: upstream.name, established: true })),
    );
    answers.reportOnFinish(res, ctx, status);
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
    answers.limitBody(req, res, ctx, () => upReq.destroy());
    req.pipe(upReq);
  }
}
