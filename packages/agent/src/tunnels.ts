// Byte tunnels between a client and an upstream: HTTP Upgrade (websockets and other
// Upgrade protocols over HTTP/1.1 upstreams) and L4 endpoints (`tcp://…`, `tls://…`),
// and the set of open tunnels the proxy counts and closes.
import type http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { addForwarded, requestHead } from './http-headers.js';
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

  destroyAll(): void {
    for (const side of this.#sides) side.destroy();
  }
}

/** An Upgrade request already routed: its head goes to the upstream, then bytes flow both ways. */
export function forwardUpgrade(
  t: TransportContext,
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  routed: Routed,
  random: () => number,
): void {
  const { answers } = t;
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
  t.pools.connect(upstream, addresses ? { proxyProtocol: addresses } : {}).then(
    (upSocket) => {
      if (socket.destroyed) return upSocket.destroy();
      upSocket.write(requestHead(ctx.method, `${plan.path}${plan.search}`, headers));
      if (head.length) upSocket.write(head);
      t.tunnels.open(socket, upSocket);
    },
    (err: unknown) => answers.failRaw(socket, ctx, classifyUpstreamError(err, { phase: 'config', upstream: upstream.name })),
  );
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
