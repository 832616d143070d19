// Raw JSON requests to the API server, authenticated and secured by client-node's
// KubeConfig (certificates, tokens, exec/OIDC plugins, proxies). We do not use the
// generated typed clients: they turn objects into model classes (timestamps become
// Date objects, unknown fields of custom resources are dropped), while the translators
// read objects exactly as the API server serves them.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** A failed API call: the HTTP status and, when the server sent one, its Status reason. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    /** 0 when no HTTP answer came (connection refused, reset, timeout). */
    readonly statusCode: number,
    readonly reason?: string,
  ) {
    super(message);
  }
}

export interface WatchEvent {
  type: string;
  object: unknown;
}

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Defaults to application/json when there is a body. */
  contentType?: string;
  signal?: AbortSignal;
  /** Milliseconds before the call is abandoned; default 30 s. */
  timeoutMs?: number;
}

export interface KubeApi {
  /** The API server URL (for messages). */
  readonly server: string;
  /** Resolves with the parsed JSON body of a 2xx answer; rejects with ApiError otherwise. */
  request(method: string, path: string, options?: RequestOptions): Promise<unknown>;
  /**
   * Streams a watch: calls `onEvent` per event line until the server ends the stream
   * (resolves) or the connection fails / the answer is not 200 (rejects with ApiError).
   * Aborting `signal` resolves. With `idleTimeoutMs`, a connection silent that long
   * counts as cut (a peer that vanished without closing would otherwise hang the watch).
   */
  watch(
    path: string,
    query: Record<string, string | undefined>,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
    options?: { idleTimeoutMs?: number },
  ): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function createKubeApi(kubeConfig: KubeConfig): KubeApi {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new ApiError('the kubeconfig has no current cluster', 0);
  const server = cluster.server.replace(/\/+$/, '');

  async function open(
    method: string,
    path: string,
    options: RequestOptions,
    accept: (res: http.IncomingMessage) => void,
    fail: (error: ApiError) => void,
  ): Promise<http.ClientRequest> {
    const opts: https.RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(opts);
    const url = new URL(server + path);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const payload =
      options.body === undefined ? undefined : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
    const headers: http.OutgoingHttpHeaders = { ...(opts.headers as http.OutgoingHttpHeaders | undefined), accept: 'application/json' };
    if (payload) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = payload.length;
    }
    const transport = url.protocol === 'http:' ? http : https;
    const req = transport.request(url, { ...opts, method, headers, ...(options.signal ? { signal: options.signal } : {}) });
    req.on('response', accept);
    // An abort settles the call too (a watch has resolved already by then), so a stopped
    // informer never waits on a request that will not answer.
    req.on('error', (error: NodeJS.ErrnoException) => {
      fail(new ApiError(`${method} ${url.pathname}: ${error.name === 'AbortError' ? 'aborted' : (error.code ?? error.message)}`, 0));
    });
    req.end(payload);
    return req;
  }

  return {
    server,
    request(method, path, options = {}) {
      return new Promise<unknown>((resolve, reject) => {
        const started = open(
          method,
          path,
          options,
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', () => reject(new ApiError(`${method} ${path}: the answer was cut`, 0)));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              const status = res.statusCode ?? 0;
              if (status >= 200 && status < 300) {
                try {
                  resolve(text === '' ? undefined : JSON.parse(text));
                } catch {
                  reject(new ApiError(`${method} ${path}: the answer is not JSON`, status));
                }
              } else reject(errorFromBody(method, path, status, text));
            });
          },
          reject,
        );
        started.then(
          (req) => {
            req.setTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
              req.destroy();
              reject(new ApiError(`${method} ${path}: no answer within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`, 0));
            });
          },
          (error: unknown) => reject(error instanceof ApiError ? error : new ApiError(`${method} ${path}: ${(error as Error).message}`, 0)),
        );
      });
    },

    watch(path, query, onEvent, signal, watchOptions = {}) {
      return new Promise<void>((resolve, reject) => {
        if (signal.aborted) return resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
        open(
          'GET',
          path,
          { query: { ...query, watch: 'true' }, signal },
          (res) => {
            if (res.statusCode !== 200) {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('end', () => reject(errorFromBody('WATCH', path, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
              res.on('error', () => reject(new ApiError(`WATCH ${path}: HTTP ${res.statusCode ?? 0}`, res.statusCode ?? 0)));
              return;
            }
            let buffered = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              buffered += chunk;
              let newline: number;
              while ((newline = buffered.indexOf('\n')) !== -1) {
                const line = buffered.slice(0, newline).trim();
                buffered = buffered.slice(newline + 1);
                if (line !== '') deliver(line);
              }
            });
            // A cut connection ends with 'aborted'/'error' and no clean 'end'.
            res.on('aborted', () => reject(new ApiError(`WATCH ${path}: the connection was cut`, 0)));
            res.on('error', () => reject(new ApiError(`WATCH ${path}: the connection was cut`, 0)));
            res.on('end', () => {
              if (buffered.trim() !== '') deliver(buffered.trim());
              resolve();
            });
          },
          reject,
        ).then(
          (req) => {
            const idle = watchOptions.idleTimeoutMs;
            if (idle) {
              req.setTimeout(idle, () => {
                reject(new ApiError(`WATCH ${path}: no data for ${idle} ms`, 0));
                req.destroy();
              });
            }
          },
          (error: unknown) => reject(error instanceof ApiError ? error : new ApiError(`WATCH ${path}: ${(error as Error).message}`, 0)),
        );

        function deliver(line: string): void {
          let event: unknown;
          try {
            event = JSON.parse(line);
          } catch {
            reject(new ApiError(`WATCH ${path}: the server sent a line that is not JSON`, 0));
            return;
          }
          if (typeof event === 'object' && event !== null && typeof (event as WatchEvent).type === 'string') onEvent(event as WatchEvent);
        }
      });
    },
  };
}

function errorFromBody(method: string, path: string, status: number, text: string): ApiError {
  let reason: string | undefined;
  let message = `HTTP ${status}`;
  try {
    const body = JSON.parse(text) as { reason?: unknown; message?: unknown };
    if (typeof body.reason === 'string') reason = body.reason;
    if (typeof body.message === 'string' && body.message !== '') message = body.message;
  } catch {
    // Not a Status object (a proxy's HTML page...): keep the HTTP status only.
  }
  return new ApiError(`${method} ${path}: ${message}`, status, reason);
}

/** Accepts either a KubeConfig or an already made KubeApi (tests, hosts with their own transport). */
export function kubeApiOf(source: KubeConfig | KubeApi): KubeApi {
  return 'request' in source && 'watch' in source ? source : createKubeApi(source);
}
