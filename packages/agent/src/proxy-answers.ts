// What the proxy answers itself (refusals, 413, typed upstream failures with
// `x-kupstream-error`) on a ServerResponse or on a raw Upgrade socket, and the
// `response` / `upstreamError` events every transport reports through. A gRPC request
// gets its answer as gRPC status trailers (grpc-status.ts).
import type { EventEmitter } from 'node:events';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { grpcTrailers, isGrpcRequest } from './grpc-status.js';
import type { ProxyEvents, ProxyResponseCode, RequestContext } from './proxy.js';
import type { UpstreamError, UpstreamErrorCode } from './upstream-errors.js';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  413: 'Content Too Large',
  421: 'Misdirected Request',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  508: 'Loop Detected',
};

function withoutConnection(headers: http.OutgoingHttpHeaders): http.OutgoingHttpHeaders {
  const { connection: _connection, ...rest } = headers;
  return rest;
}

export class ProxyAnswers {
  constructor(
    readonly events: EventEmitter<ProxyEvents>,
    readonly maxBody: number,
  ) {}

  // 'response' event objects are only built for someone listening (the request log, metrics).
  report(ctx: RequestContext, status: number, code?: ProxyResponseCode | UpstreamErrorCode): void {
    if (this.events.listenerCount('response') > 0) this.events.emit('response', { ...ctx, status, ...(code ? { code } : {}) });
  }

  /** The answer to an Upgrade request (a 101, a relayed answer, or the proxy's own). */
  reportUpgrade(ctx: RequestContext, status: number, code?: ProxyResponseCode | UpstreamErrorCode): void {
    if (this.events.listenerCount('response') > 0)
      this.events.emit('response', { ...ctx, status, ...(code ? { code } : {}), upgrade: true });
  }

  /** Reports the response once it is fully written. */
  reportOnFinish(res: http.ServerResponse, ctx: RequestContext, status: number): void {
    if (this.events.listenerCount('response') > 0) res.once('finish', () => this.report(ctx, status));
  }

  answer(
    res: http.ServerResponse,
    ctx: RequestContext,
    status: number,
    code?: ProxyResponseCode | UpstreamErrorCode,
    extra: http.OutgoingHttpHeaders = {},
  ): void {
    const text = `${status} ${STATUS_TEXT[status] ?? http.STATUS_CODES[status] ?? ''}${code ? `: ${code}` : ''}`;
    if (isGrpcRequest(res.req)) {
      // gRPC reads the outcome from trailers: HTTP 200, no message, grpc-status mapped from `status`.
      res.writeHead(200, {
        'content-type': 'application/grpc',
        ...(code ? { 'x-kupstream-error': code } : {}),
        ...(res.req.httpVersionMajor === 1 ? { trailer: 'grpc-status, grpc-message, x-kupstream-error' } : {}),
      });
      res.addTrailers(grpcTrailers(status, code, `kupstream: ${text}`));
      res.end();
      return this.report(ctx, status, code);
    }
    const body = `${text}\n`;
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...(code ? { 'x-kupstream-error': code } : {}),
      // HTTP/2 has no Connection header (the compatibility API throws on one).
      ...(res.req?.httpVersionMajor === 2 ? withoutConnection(extra) : extra),
    });
    res.end(body);
    this.report(ctx, status, code);
  }

  /**
   * Writes the response head through Node's validating writeHead. A header Node refuses
   * (a value from the upstream or a filter it cannot encode) answers 502
   * `response_header_invalid` instead of throwing; returns whether the head went out.
   */
  writeHead(res: http.ServerResponse, ctx: RequestContext, status: number, headers: http.OutgoingHttpHeaders): boolean {
    try {
      res.writeHead(status, headers);
      return true;
    } catch {
      if (!res.headersSent && !res.destroyed) this.answer(res, ctx, 502, 'response_header_invalid');
      else res.destroy();
      return false;
    }
  }

  /** The last resort of the request path: an unexpected exception answers 500 `internal_error`. */
  internalError(res: http.ServerResponse, ctx: RequestContext): void {
    if (res.headersSent || res.destroyed) return void res.destroy();
    try {
      this.answer(res, ctx, 500, 'internal_error', { connection: 'close' });
    } catch {
      res.destroy();
    }
  }

  fail(res: http.ServerResponse, ctx: RequestContext, error: UpstreamError): void {
    // Already answered by the proxy (413), or the client left: the upstream request was dropped on purpose.
    if (res.writableEnded || res.destroyed) return;
    this.events.emit('upstreamError', { ...ctx, error });
    // Headers already went out: a gRPC call still ends with a status (the upstream's stream
    // failed, so it sent none); anything else can only be cut short.
    if (res.headersSent) {
      if (!isGrpcRequest(res.req)) return void res.destroy();
      res.addTrailers(grpcTrailers(error.status, error.code, `kupstream: ${error.status} ${error.code}`));
      return void res.end();
    }
    this.answer(res, ctx, error.status, error.code);
  }

  answerRaw(socket: Duplex, ctx: RequestContext, status: number, code: ProxyResponseCode | UpstreamErrorCode): void {
    const body = `${status} ${STATUS_TEXT[status] ?? ''}: ${code}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-kupstream-error: ${code}\r\nconnection: close\r\n\r\n${body}`,
    );
    this.reportUpgrade(ctx, status, code);
  }

  failRaw(socket: Duplex, ctx: RequestContext, error: UpstreamError): void {
    this.events.emit('upstreamError', { ...ctx, error });
    if (!socket.destroyed) this.answerRaw(socket, ctx, error.status, error.code);
  }

  /** A body without Content-Length (chunked) is counted as it streams; past the limit the upstream request is dropped. */
  limitBody(req: http.IncomingMessage, res: http.ServerResponse, ctx: RequestContext, abort: () => void): void {
    if (req.headers['content-length'] !== undefined) return;
    let seen = 0;
    const count = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen <= this.maxBody) return;
      req.off('data', count);
      req.unpipe();
      abort();
      if (res.headersSent) return void res.destroy();
      this.answer(res, ctx, 413, 'request_body_too_large', { connection: 'close' });
    };
    req.on('data', count);
  }
}
