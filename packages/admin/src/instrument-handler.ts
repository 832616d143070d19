// Wraps the agent's request listener to record each exchange in the RequestLog from the
// outside: status, duration and the `x-kupstream-error` code are all observable on the
// response. Where the request went (route, upstream) comes from `routeOf`, e.g. the
// proxy's own events through `attributeProxyEvents`.
import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from 'node:http';
import type { RequestSink } from './request-log.js';

export const ERROR_HEADER = 'x-kupstream-error';

/** Where a request went, as far as the host can tell. */
export interface RequestRouting {
  /** `Endpoint.name` */
  endpoint?: string;
  /** `Route.name` */
  route?: string;
  /** `Upstream.name` */
  upstream?: string;
}

export interface InstrumentOptions {
  /** Called before the wrapped handler sees the request. */
  onStart?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Called once the exchange is over (the response is complete or the client left). */
  routeOf?: (req: IncomingMessage, res: ServerResponse) => RequestRouting | undefined;
  now?: () => Date;
}

export function instrumentHandler(handler: RequestListener, log: RequestSink, options: InstrumentOptions = {}): RequestListener {
  const now = options.now ?? (() => new Date());
  return (req, res) => {
    const started = process.hrtime.bigint();
    const time = now();
    const requestBody = log.captureBodies ? tapRequestBody(req, log.maxBodyBytes) : undefined;
    const responseBody = log.captureBodies ? tapResponseBody(res, log.maxBodyBytes) : undefined;
    const sentHeaders = tapWriteHead(res);
    let recorded = false;
    // 'close' fires after 'finish' and also when the client goes away mid-response: one place, once.
    res.once('close', () => {
      if (recorded) return;
      recorded = true;
      const routing = safeRouting(options.routeOf, req, res);
      const responseHeaders = { ...lowerCased(res.getHeaders()), ...sentHeaders };
      const header = responseHeaders[ERROR_HEADER];
      const error = header === undefined ? undefined : String(Array.isArray(header) ? header[0] : header);
      // 0: nothing was sent before the client left, so there is no status to report.
      const status = res.headersSent ? res.statusCode : 0;
      log.add({
        time,
        method: req.method ?? '',
        host: req.headers.host ?? '',
        path: req.url ?? '',
        ...(routing?.route !== undefined ? { route: routing.route } : {}),
        ...(routing?.upstream !== undefined ? { upstream: routing.upstream } : {}),
        status,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e3) / 1e3,
        ...(error !== undefined ? { error } : {}),
        requestHeaders: req.headers,
        responseHeaders,
        ...(requestBody ? { requestBody: requestBody() } : {}),
        ...(responseBody ? { responseBody: responseBody() } : {}),
      });
    });
    options.onStart?.(req, res);
    handler(req, res);
  };
}

function safeRouting(routeOf: InstrumentOptions['routeOf'], req: IncomingMessage, res: ServerResponse): RequestRouting | undefined {
  if (!routeOf) return undefined;
  try {
    return routeOf(req, res);
  } catch {
    return undefined;
  }
}

/**
 * Headers handed straight to writeHead() never reach getHeader() (Node only merges them
 * when setHeader() was used first), and that is how the proxy sends x-kupstream-error.
 */
function tapWriteHead(res: ServerResponse): OutgoingHttpHeaders {
  const seen: OutgoingHttpHeaders = {};
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    const headers = typeof args[1] === 'string' ? args[2] : args[1];
    if (Array.isArray(headers)) {
      // Either [[name, value], ...] or the flat raw form [name, value, name, value].
      if (headers.every((h) => Array.isArray(h)))
        for (const [name, value] of headers as [string, string][]) seen[String(name).toLowerCase()] = value;
      else for (let i = 0; i + 1 < headers.length; i += 2) seen[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
    } else if (headers && typeof headers === 'object') {
      for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) if (value !== undefined) seen[name.toLowerCase()] = value;
    }
    return writeHead(...args);
  }) as typeof res.writeHead;
  return seen;
}

function lowerCased(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

type Captured = () => { data: Buffer; bytes: number };

/**
 * Observes 'data' emissions instead of adding a listener: a listener would switch the
 * stream to flowing mode and could lose chunks before the proxy starts piping.
 */
function tapRequestBody(req: IncomingMessage, max: number): Captured {
  const sink = new BoundedSink(max);
  const emit = req.emit.bind(req) as (event: string | symbol, ...args: unknown[]) => boolean;
  req.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'data') sink.push(args[0]);
    return emit(event, ...args);
  }) as typeof req.emit;
  return () => sink.result();
}

function tapResponseBody(res: ServerResponse, max: number): Captured {
  const sink = new BoundedSink(max);
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((...args: unknown[]) => {
    sink.push(args[0], args[1]);
    return write(...args);
  }) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    if (typeof args[0] !== 'function') sink.push(args[0], args[1]);
    return end(...args);
  }) as typeof res.end;
  return () => sink.result();
}

/** Keeps at most `max` bytes but counts them all. */
class BoundedSink {
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #bytes = 0;
  constructor(readonly max: number) {}

  push(chunk: unknown, encoding?: unknown): void {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buffer = Buffer.isBuffer(chunk)
      ? chunk
      : chunk instanceof Uint8Array
        ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : Buffer.from(String(chunk), typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8');
    this.#bytes += buffer.length;
    if (this.#kept >= this.max) return;
    const part = buffer.subarray(0, this.max - this.#kept);
    this.#chunks.push(Buffer.from(part));
    this.#kept += part.length;
  }

  result(): { data: Buffer; bytes: number } {
    return { data: Buffer.concat(this.#chunks), bytes: this.#bytes };
  }
}
