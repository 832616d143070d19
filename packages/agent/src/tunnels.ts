// Byte tunnels between a client and an upstream: HTTP Upgrade (websockets and other
// Upgrade protocols over HTTP/1.1 upstreams) and L4 endpoints (`tcp://…`, `tls://…`),
// and the set of open tunnels the proxy counts and closes.
import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { modifyHeaders } from './filters.js';
import { addForwarded, endToEnd, responseHead } from './http-headers.js';
import type { RequestContext } from './proxy.js';
import { socketAddresses } from './proxy-protocol.js';
import { upstreamOf, type Routed } from './request-routing.js';
import type { CompiledRoute, RouteTable } from './router.js';
import type { TransportContext } from './transport-context.js';
import { classifyUpstreamError, UpstreamError } from './upstream-errors.js';

/** Open tunnels; both sides of each are held, so either side closing ends both. */
export class Tunnels {
  readonly #sides = new Set<Duplex>();

  get count(): number {
    return this.#sides.size / 2;
  }

  open(a: Duplex, b: Duplex): void {
    this.#sides.add(a);
    this.#sides.add(b);
    const end = () => {
      a.destroy();
      b.destroy();
      this.#sides.delete(a);
      this.#sides.delete(b);
    };
    a.on('error', end);
    b.on('error', end);
    a.on('close', end);
    b.on('close', end);
    a.pipe(b);
    b.pipe(a);
  }

  has(side: Duplex): boolean {
    return this.#sides.has(side);
  }

  destroyAll(): void {
    for (const side of this.#sides) side.destroy();
  }
}

/**
 * An Upgrade request already routed. It goes upstream through http.request (Node validates
 * every header it writes); only the upstream's `101` opens the tunnel. Any other answer is
 * relayed to the client and both connections close, so no later bytes of the client's
 * connection can reach the upstream unrouted.
 */
export function forwardUpgrade(
  t: TransportContext,
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  routed: Routed,
  random: () => number,
): void {
  const { answers, deadlines } = t;
  const { ctx, table, hostHeader, hit, scheme, plan } = routed;
  if (plan.redirect || hit.route.route.response)
    return answers.answerRaw(socket, ctx, hit.route.route.response?.status ?? 500, 'no_backend');
  const chosen = upstreamOf(hit.route, table, ctx, random);
  if ('refusal' in chosen) return answers.answerRaw(socket, ctx, 500, 'no_backend');
  const { upstream } = chosen;
  if (upstream.protocol === 'http2') {
    return answers.failRaw(
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
  const addresses = upstream.proxyProtocolVersion ? socketAddresses(req.socket) : undefined;
  let answered = false;
  const fail = (err: unknown, phase: 'config' | 'request') => {
    if (answered) return void socket.destroy();
    if (!socket.destroyed)
      answers.failRaw(socket, ctx, classifyUpstreamError(err, { phase, upstream: upstream.name, established: phase === 'request' }));
  };
  let upReq: http.ClientRequest;
  try {
    upReq = http.request({
      method: ctx.method,
      path: `${plan.path}${plan.search}`,
      headers,
      setHost: false,
      // (No `agent`: with `agent: false` Node makes a fresh Agent and ignores createConnection.)
      createConnection: ((_o: unknown, cb: (err: Error | null, s?: Duplex) => void) => {
        t.pools.connect(upstream, addresses ? { proxyProtocol: addresses } : {}).then(
          (s) => cb(null, s),
          (err: Error) => cb(err),
        );
        return undefined;
      }) as unknown as http.RequestOptions['createConnection'],
    });
  } catch (err) {
    return fail(err, 'config');
  }
  const deadline = deadlines.arm(upstream.name, (error) => upReq.destroy(error));
  socket.once('close', () => {
    deadlines.cancel(deadline);
    if (!t.tunnels.has(socket)) upReq.destroy();
  });
  upReq.on('error', (err) => {
    deadlines.cancel(deadline);
    fail(err, 'request');
  });
  upReq.on('upgrade', (upRes, upSocket, upHead) => {
    deadlines.cancel(deadline);
    answered = true;
    if (socket.destroyed) return void upSocket.destroy();
    const out = endToEnd(upRes.headers);
    for (const modifier of plan.responseModifiers) modifyHeaders(out, modifier);
    out.connection = 'upgrade';
    if (upRes.headers.upgrade !== undefined) out.upgrade = upRes.headers.upgrade;
    let text: string;
    try {
      text = responseHead(upRes.statusCode ?? 101, out);
    } catch {
      upSocket.destroy();
      return answers.answerRaw(socket, ctx, 502, 'response_header_invalid');
    }
    socket.write(text, 'latin1');
    if (upHead.length) socket.write(upHead);
    if (head.length) upSocket.write(head);
    answers.reportUpgrade(ctx, upRes.statusCode ?? 101);
    t.tunnels.open(socket, upSocket);
  });
  upReq.on('response', (upRes) => {
    deadlines.cancel(deadline);
    answered = true;
    // Not switched: the answer is relayed and the client's connection ends with it.
    const out = endToEnd(upRes.headers);
    for (const modifier of plan.responseModifiers) modifyHeaders(out, modifier);
    out.connection = 'close';
    const status = upRes.statusCode ?? 502;
    let text: string;
    try {
      text = responseHead(status, out);
    } catch {
      upRes.destroy();
      return answers.answerRaw(socket, ctx, 502, 'response_header_invalid');
    }
    socket.write(text, 'latin1');
    upRes.pipe(socket);
    upRes.on('error', () => socket.destroy());
    upRes.once('end', () => answers.reportUpgrade(ctx, status));
  });
  upReq.end();
}

/** One connection to an L4 endpoint: held paused until the upstream connection is ready. */
export function forwardL4(
  t: TransportContext,
  socket: net.Socket,
  endpointUrl: string,
  table: RouteTable,
  route: CompiledRoute,
  random: () => number,
): void {
  const ctx: RequestContext = { method: 'CONNECT', path: endpointUrl, endpoint: route.endpoint.name, route: route.route.name };
  const chosen = upstreamOf(route, table, ctx, random);
  if ('refusal' in chosen) return void socket.destroy();
  const { upstream } = chosen;
  socket.pause();
  const addresses = upstream.proxyProtocolVersion ? socketAddresses(socket) : undefined;
  t.pools.connect(upstream, addresses ? { proxyProtocol: addresses } : {}).then(
    (upSocket) => {
      if (socket.destroyed) return upSocket.destroy();
      t.tunnels.open(socket, upSocket);
      socket.resume();
    },
    (err: unknown) => {
      t.answers.events.emit('upstreamError', { ...ctx, error: classifyUpstreamError(err, { phase: 'config', upstream: upstream.name }) });
      socket.destroy();
    },
  );
}
