// The `--admin` HTTP server: probes, Prometheus metrics, the inspector's JSON API, its
// event stream and the page itself, all on one address. Read-only: nothing here changes
// what the agent does, so the only risk it carries is disclosure, handled by binding to
// loopback, refusing foreign Host headers, and scrubbing every JSON answer.
import { Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { PROXY_HOP_HEADER } from '@kupstream/core/building-blocks';
import type { Logger } from 'pino';
import { diagnosticsView, endpointsView, requestSummary, statusView, upstreamsView, type AdminState } from './api.js';
import { assertAdminBind, isLoopbackHost } from './bind-address.js';
import { createEventStream, type EventStream } from './events-stream.js';
import type { AdminMetrics } from './metrics.js';
import { APP_JS } from './page/app-js.js';
import { INDEX_HTML } from './page/index-html.js';
import { STYLES_CSS } from './page/styles-css.js';
import { scrubPrivateKeys } from './redaction.js';
import type { RequestLog } from './request-log.js';

export interface AdminServerOptions {
  getState: () => AdminState;
  requestLog: RequestLog;
  metrics: AdminMetrics;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port; read it from `server.address()`). */
  port?: number;
  /** Needed to bind anywhere but loopback (see `assertAdminBind`). */
  allowNonLoopback?: boolean;
  /** Clock for days-to-expiry. */
  now?: () => Date;
  logger?: Logger;
}

const PAGE_HEADERS = {
  // Everything the page needs is served from here; nothing may be fetched elsewhere.
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

const ASSETS: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: INDEX_HTML },
  '/index.html': { type: 'text/html; charset=utf-8', body: INDEX_HTML },
  '/inspector.css': { type: 'text/css; charset=utf-8', body: STYLES_CSS },
  '/inspector.js': { type: 'text/javascript; charset=utf-8', body: APP_JS },
};

/** An http.Server whose `close()` also ends the open event streams, so it really closes. */
export class AdminServer extends Server {
  readonly #events: EventStream;
  constructor(listener: (req: IncomingMessage, res: ServerResponse) => void, events: EventStream) {
    super(listener);
    this.#events = events;
  }
  override close(callback?: (err?: Error) => void): this {
    this.#events.close();
    super.close(callback);
    // Ended streams leave keep-alive sockets behind; they carry nothing now.
    this.closeIdleConnections();
    return this;
  }
}

/** Creates the admin server and starts listening; wait for 'listening' (or 'error'). */
export function createAdminServer(options: AdminServerOptions): AdminServer {
  const host = options.host ?? '127.0.0.1';
  assertAdminBind(host, { allowNonLoopback: options.allowNonLoopback ?? false });
  const loopbackOnly = isLoopbackHost(host);
  const now = options.now ?? (() => new Date());
  const { requestLog, metrics, getState } = options;
  const events = createEventStream(requestLog, { modelIdentity: () => getState().model });

  const route = async (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> => {
    if (path === '/healthz') return text(res, 200, 'ok\n');
    if (path === '/readyz') {
      const state = getState();
      if (state.ready && state.model) return text(res, 200, 'ready\n');
      return text(res, 503, state.ready ? 'not ready: no model loaded\n' : 'not ready: initial sync not done\n');
    }
    if (path === '/metrics') {
      const state = getState();
      metrics.setPools(state.pools ?? []);
      metrics.setTraffic(state.traffic ?? []);
      const body = await metrics.text();
      res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    if (path === '/api/status') return json(res, 200, statusView(getState(), requestLog));
    if (path === '/api/endpoints') return json(res, 200, endpointsView(getState().model));
    if (path === '/api/upstreams') {
      const state = getState();
      return json(res, 200, upstreamsView(state.model, state.pools, now(), state.verificationFailures, state.handshakes, state.traffic));
    }
    if (path === '/api/diagnostics') return json(res, 200, diagnosticsView(getState().model));
    if (path === '/api/requests') {
      const limit = query.has('limit') ? Number(query.get('limit')) : undefined;
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
        return json(res, 400, { error: 'limit must be a positive integer' });
      const requests = requestLog.list({
        status: query.get('status') ?? undefined,
        upstream: query.get('upstream') ?? undefined,
        ...(limit !== undefined ? { limit } : {}),
      });
      return json(res, 200, { capacity: requestLog.capacity, requests: requests.map(requestSummary) });
    }
    const one = /^\/api\/requests\/([^/]+)$/.exec(path);
    if (one) {
      const record = requestLog.get(safeDecode(one[1]!));
      return record ? json(res, 200, record) : json(res, 404, { error: 'no such request (it may have been evicted from the log)' });
    }
    if (path === '/api/events') return events.handle(req, res);
    const asset = ASSETS[path];
    if (asset) {
      res.writeHead(200, { ...PAGE_HEADERS, 'content-type': asset.type });
      res.end(asset.body);
      return;
    }
    return json(res, 404, { error: `not found: ${path}` });
  };

  const server = new AdminServer((req, res) => {
    if (req.headers[PROXY_HOP_HEADER] !== undefined) {
      // Came through a kupstream proxy (an endpoint whose upstream is this address): the
      // sender is whoever reached the proxy, not the loopback client this page trusts.
      return text(res, 403, 'the admin server does not answer requests that came through a proxy\n');
    }
    if (loopbackOnly && req.headers.host !== undefined && !isLoopbackHost(hostnameOf(req.headers.host))) {
      // DNS rebinding: a web page under another name must not read the inspector through the browser.
      return text(res, 421, 'the admin server answers only to a loopback Host header\n');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return text(res, 405, 'method not allowed\n');
    }
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    route(req, res, url.pathname, url.searchParams).catch((error: unknown) => {
      options.logger?.error({ err: error, path: url.pathname }, 'admin request failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  }, events);
  server.listen(options.port ?? 0, host);
  return server;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function hostnameOf(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const bracketed = /^\[([^\]]+)\]/.exec(hostHeader);
  if (bracketed) return bracketed[1]!;
  return hostHeader.replace(/:\d+$/, '');
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(JSON.stringify(scrubPrivateKeys(body)));
}
