// The agent's proxy says where each request went through its 'response' and
// 'upstreamError' events (endpoint, route, upstream). This file turns those events
// into per-request attribution for the request log and into metrics. Typed by shape,
// so it serves any emitter with these events (the agent's Proxy is one).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { InstrumentOptions, RequestRouting } from './instrument-handler.js';
import type { AdminMetrics } from './metrics.js';
import type { RequestSink } from './request-log.js';

/** What the proxy's events carry (a subset of @kupstream/agent's RequestContext). */
export interface ProxyRequestContext {
  endpoint?: string;
  route?: string;
  upstream?: string;
  method: string;
  path: string;
}
export interface ProxyResponseEvent extends ProxyRequestContext {
  status: number;
  code?: string;
  /** The answer to an Upgrade request. */
  upgrade?: true;
}
export interface ProxyUpstreamErrorEvent extends ProxyRequestContext {
  error: { code: string };
}

/** The part of the agent's Proxy this file listens to. */
export interface ProxyEventSource {
  on(event: 'response', listener: (event: ProxyResponseEvent) => void): unknown;
  on(event: 'upstreamError', listener: (event: ProxyUpstreamErrorEvent) => void): unknown;
  off(event: 'response', listener: (event: ProxyResponseEvent) => void): unknown;
  off(event: 'upstreamError', listener: (event: ProxyUpstreamErrorEvent) => void): unknown;
}

/** Spread into `instrumentHandler` options; `dispose()` stops listening. */
export interface ProxyAttribution extends Required<Pick<InstrumentOptions, 'onStart' | 'routeOf'>> {
  dispose(): void;
}

interface InFlight {
  method: string;
  path: string;
  /** Last time (in event order) this response was ended or finished. */
  touched: number;
  routing?: RequestRouting;
}

/**
 * Matches each proxy event to the response it is about. The events carry no handle on
 * the response, so the match is by facts (method, path, status) and, among identical
 * candidates, by order: the proxy emits 'response' right after it ends a response or in
 * that response's 'finish', so the most recently ended or finished candidate is the one.
 */
export function attributeProxyEvents(proxy: ProxyEventSource): ProxyAttribution {
  const inFlight = new Map<ServerResponse, InFlight>();
  let clock = 0;

  const candidates = (e: ProxyRequestContext) =>
    [...inFlight.entries()].filter(([, f]) => !f.routing && f.method === e.method && f.path === e.path);
  const routingOf = (e: ProxyRequestContext): RequestRouting => ({
    ...(e.endpoint !== undefined ? { endpoint: e.endpoint } : {}),
    ...(e.route !== undefined ? { route: e.route } : {}),
    ...(e.upstream !== undefined ? { upstream: e.upstream } : {}),
  });

  const onResponse = (e: ProxyResponseEvent) => {
    if (e.upgrade) return;
    const matching = candidates(e).filter(([res]) => res.headersSent && res.statusCode === e.status);
    const best = matching.sort(([, a], [, b]) => b.touched - a.touched)[0];
    if (best && (best[1].touched > 0 || matching.length === 1)) best[1].routing = routingOf(e);
  };
  // An upstream error after the headers went out ends in a destroyed response and no
  // 'response' event; attribute it only when it cannot be anyone else's.
  const onUpstreamError = (e: ProxyUpstreamErrorEvent) => {
    const matching = candidates(e).filter(([res]) => res.headersSent);
    if (matching.length === 1) matching[0]![1].routing = routingOf(e);
  };
  proxy.on('response', onResponse);
  proxy.on('upstreamError', onUpstreamError);

  return {
    onStart(req: IncomingMessage, res: ServerResponse) {
      const entry: InFlight = { method: req.method ?? 'GET', path: pathOf(req.url), touched: 0 };
      inFlight.set(res, entry);
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        const out = end(...args);
        entry.touched = ++clock;
        return out;
      }) as typeof res.end;
      // Registered before the proxy registers its own 'finish' listener, so it runs first.
      res.once('finish', () => (entry.touched = ++clock));
    },
    routeOf(_req: IncomingMessage, res: ServerResponse) {
      const entry = inFlight.get(res);
      inFlight.delete(res);
      return entry?.routing;
    },
    dispose() {
      proxy.off('response', onResponse);
      proxy.off('upstreamError', onUpstreamError);
      inFlight.clear();
    },
  };
}

/** Feeds request and failure counters from the proxy's events; returns the unsubscribe function. */
export function recordProxyMetrics(
  proxy: ProxyEventSource,
  metrics: Pick<AdminMetrics, 'recordRequest' | 'recordUpstreamFailure'>,
): () => void {
  const onResponse = (e: ProxyResponseEvent) => metrics.recordRequest({ endpoint: e.endpoint, upstream: e.upstream, status: e.status });
  const onUpstreamError = (e: ProxyUpstreamErrorEvent) => metrics.recordUpstreamFailure({ upstream: e.upstream, code: e.error.code });
  proxy.on('response', onResponse);
  proxy.on('upstreamError', onUpstreamError);
  return () => {
    proxy.off('response', onResponse);
    proxy.off('upstreamError', onUpstreamError);
  };
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

interface PendingUpgrade {
  method: string;
  path: string;
  event?: ProxyResponseEvent;
}

/**
 * Upgrade requests in the request log: each is recorded when its socket closes, with the
 * answer the proxy reported for it (matched by method and path, oldest first, as the
 * proxy reports an Upgrade's answer once per request).
 */
export function recordUpgrades(
  proxy: ProxyEventSource,
  log: RequestSink,
  now: () => Date,
): {
  wrap(handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  dispose(): void;
} {
  const pending = new Set<PendingUpgrade>();
  const onResponse = (e: ProxyResponseEvent) => {
    if (!e.upgrade) return;
    for (const entry of pending) {
      if (entry.event || entry.method !== e.method || entry.path !== e.path) continue;
      entry.event = e;
      return;
    }
  };
  proxy.on('response', onResponse);
  return {
    wrap: (handler) => (req, socket, head) => {
      const started = process.hrtime.bigint();
      const time = now();
      const entry: PendingUpgrade = { method: req.method ?? 'GET', path: pathOf(req.url) };
      pending.add(entry);
      socket.once('close', () => {
        pending.delete(entry);
        const e = entry.event;
        log.add({
          time,
          method: entry.method,
          host: req.headers.host ?? '',
          path: req.url ?? '',
          ...(e?.route !== undefined ? { route: e.route } : {}),
          ...(e?.upstream !== undefined ? { upstream: e.upstream } : {}),
          status: e?.status ?? 0,
          durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e3) / 1e3,
          ...(e?.code !== undefined ? { error: e.code } : {}),
          requestHeaders: req.headers,
          responseHeaders: {},
        });
      });
      handler(req, socket, head);
    },
    dispose() {
      proxy.off('response', onResponse);
      pending.clear();
    },
  };
}
