// RequestMirror: a copy of a bodiless request sent to each mirror upstream (its share of
// requests drawn at random), fire-and-forget. The copy never delays or fails the request it
// copies: it starts after the main request is on its way, its answer is read and dropped, and
// its failures are swallowed. A request with a body is not mirrored: its body streams to the
// backend and is never held back or buffered for a copy.
import type http from 'node:http';
import type { RequestMirror } from '@kupstream/core';
import type { Dispatcher } from 'undici';
import { forHttp2 } from './http-headers.js';
import type { RouteTable } from './router.js';
import type { TransportContext } from './transport-context.js';
import { cachedUpstreamTarget } from './upstream-target.js';

/** Reads a mirror's answer and drops it; its failure is nobody's concern. */
const DISCARD: Dispatcher.DispatchHandler = {
  onConnect: () => undefined,
  onHeaders: () => true,
  onData: () => true,
  onComplete: () => undefined,
  onError: () => undefined,
};

/** Whether a request carries a body. */
function hasBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** Whether this request falls in the mirror's share; `random` returns [0, 1). */
export function mirrored(mirror: RequestMirror, random: () => number): boolean {
  if (!mirror.fraction) return true;
  return random() * mirror.fraction.denominator < mirror.fraction.numerator;
}

export function sendMirrors(
  t: TransportContext,
  req: http.IncomingMessage,
  mirrors: readonly RequestMirror[] | undefined,
  request: { method: string; path: string; host: string; headers: http.OutgoingHttpHeaders },
  table: RouteTable,
  random: () => number,
): void {
  if (!mirrors || mirrors.length === 0 || hasBody(req)) return;
  for (const mirror of mirrors) {
    if (!mirrored(mirror, random)) continue;
    const upstream = table.upstreams.get(mirror.upstream);
    // Fail closed as for a backend; a PROXY protocol header would name the client to a second party.
    if (!upstream || upstream.unavailable || upstream.proxyProtocolVersion) continue;
    const headers = { ...request.headers };
    try {
      if (upstream.protocol === 'http2') {
        const secure = cachedUpstreamTarget(upstream).secure;
        t.pools.http2Session(upstream).then(
          (session) => {
            const stream = session.request({
              ...forHttp2(headers),
              ':method': request.method,
              ':path': request.path,
              ':authority': request.host,
              ':scheme': secure ? 'https' : 'http',
            });
            stream.on('error', () => {});
            stream.resume();
            stream.end();
          },
          () => {},
        );
      } else {
        t.pools
          .http1(upstream)
          .dispatch(
            { method: request.method as Dispatcher.HttpMethod, path: request.path, headers: headers as Record<string, string | string[]> },
            DISCARD,
          );
      }
    } catch {
      // A mirror that cannot even be set up is skipped: the request it copies goes on.
    }
  }
}
