// Forwarding one request to an HTTP/2 upstream: a stream on the upstream's pooled session,
// the response headers made end-to-end and written back to the client, the request
// body piped with backpressure, response trailers (gRPC's grpc-status) passed on, and a
// reset stream turned into a typed failure.
import type http from 'node:http';
import http2 from 'node:http2';
import type { Upstream } from '@kupstream/core';
import { modifyHeaders, type RequestPlan } from './filters.js';
import { forwardHttp1 } from './forward-http1.js';
import { AlpnFallback } from './pools.js';
import { endToEnd, forHttp2 } from './http-headers.js';
import { movesStatusToTrailers } from './grpc-status.js';
import type { RequestContext } from './proxy.js';
import type { TransportContext } from './transport-context.js';
import { classifyUpstreamError, UpstreamError } from './upstream-errors.js';
import { cachedUpstreamTarget } from './upstream-target.js';

export function forwardHttp2(
  t: TransportContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  upstream: Upstream,
  plan: RequestPlan,
  ctx: RequestContext,
): void {
  const { answers, deadlines } = t;
  let secure: boolean;
  try {
    secure = cachedUpstreamTarget(upstream).secure;
  } catch (err) {
    return answers.fail(res, ctx, classifyUpstreamError(err, { phase: 'config', upstream: upstream.name }));
  }
  // Through a promise: a fail-closed identity throws, and must become a 502, not an exception.
  Promise.resolve(upstream)
    .then((u) => t.pools.http2Session(u, t.endpoint))
    .then(
      (session: http2.ClientHttp2Session) => {
        if (res.destroyed) return;
        const headers = {
          ...forHttp2(plan.headers),
          ':method': ctx.method,
          ':path': `${plan.path}${plan.search}`,
          ':authority': plan.host,
          ':scheme': secure ? 'https' : 'http',
          // The one TE value HTTP/2 allows, and the one gRPC servers require.
          ...(acceptsTrailers(req.headers.te) ? { te: 'trailers' } : {}),
        };
        let stream: http2.ClientHttp2Stream;
        try {
          stream = session.request(headers);
          t.pools.trackStream(session, stream);
        } catch (err) {
          return answers.fail(res, ctx, classifyUpstreamError(err, { phase: 'request', upstream: upstream.name }));
        }
        const deadline = deadlines.arm(upstream.name, (error) => stream.destroy(error));
        stream.on('error', (err) => {
          deadlines.cancel(deadline);
          answers.fail(res, ctx, classifyUpstreamError(err, { phase: 'request', upstream: upstream.name, established: true }));
        });
        stream.on('response', (h2headers, flags) => {
          deadlines.cancel(deadline);
          const status = Number(h2headers[':status'] ?? 502);
          const out = endToEnd(h2headers);
          for (const modifier of plan.responseModifiers) modifyHeaders(out, modifier);
          // A trailers-only answer (headers that end the stream) keeps its status in trailers:
          // written back as headers followed by an empty body, a client would find none.
          if (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) {
            const trailers = movesStatusToTrailers(out);
            if (trailers) addTrailers(res, trailers);
          }
          if (!answers.writeHead(res, ctx, status, out)) return void stream.close(http2.constants.NGHTTP2_CANCEL);
          stream.pipe(res);
          answers.reportOnFinish(res, ctx, status);
        });
        stream.on('trailers', (trailers) => addTrailers(res, endToEnd(trailers)));
        stream.on('close', () => {
          deadlines.cancel(deadline);
          if (!res.headersSent && stream.rstCode)
            answers.fail(
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
        answers.limitBody(req, res, ctx, () => stream.close(http2.constants.NGHTTP2_CANCEL));
        req.pipe(stream);
      },
      (err: unknown) => {
        // Nothing of the request was sent yet: it goes the HTTP/1.1 way the upstream chose.
        if (err instanceof AlpnFallback) return forwardHttp1(t, req, res, upstream, plan, ctx);
        answers.fail(res, ctx, classifyUpstreamError(err, { phase: 'config', upstream: upstream.name }));
      },
    );
}

function acceptsTrailers(te: string | string[] | undefined): boolean {
  const value = Array.isArray(te) ? te.join(',') : (te ?? '');
  return value.split(',').some((part) => part.split(';')[0]!.trim().toLowerCase() === 'trailers');
}

/** Trailers go to HTTP/2 clients, and to HTTP/1.1 ones when the response is chunked; a value Node refuses is dropped. */
function addTrailers(res: http.ServerResponse, trailers: http.OutgoingHttpHeaders): void {
  try {
    res.addTrailers(trailers);
  } catch {
    // An invalid trailer name or value from the upstream is not passed on.
  }
}
