// A worker's share of the admin server: its proxy's responses and upstream failures counted
// by their facts, and its request-log entries (headers redacted here, before they leave the
// process), sent to the primary in one message per flush interval. The primary replays them
// into its request log and metrics.
import type { RequestEntry, RequestSink } from '@kupstream/admin';
import type { Proxy, ResponseEvent, UpstreamErrorEvent } from '@kupstream/agent';
import type { FailureCount, RequestEntryMessage, ResponseCount, WorkerMessage } from './worker-messages.js';
import { WORKER_DEFAULTS } from './worker-defaults.js';

type Redact = (headers: RequestEntry['requestHeaders']) => RequestEntryMessage['requestHeaders'];

export interface WorkerTrafficOptions {
  proxy: Pick<Proxy, 'on' | 'off'>;
  send: (message: WorkerMessage) => void;
  /** The admin package's header redaction (loaded with it). */
  redact: Redact;
  flushMs?: number;
  maxEntries?: number;
}

export class WorkerTraffic implements RequestSink {
  readonly captureBodies = false;
  readonly maxBodyBytes = 0;
  readonly #options: WorkerTrafficOptions;
  readonly #responses = new Map<string, ResponseCount>();
  readonly #failures = new Map<string, FailureCount>();
  #requests: RequestEntryMessage[] = [];
  readonly #timer: NodeJS.Timeout;
  readonly #onResponse = (e: ResponseEvent) => {
    const key = [e.endpoint, e.upstream, e.status, e.code].join('\u0000');
    const seen = this.#responses.get(key);
    if (seen) {
      seen.count++;
      seen.method = e.method;
      seen.path = e.path;
    } else
      this.#responses.set(key, {
        ...(e.endpoint !== undefined ? { endpoint: e.endpoint } : {}),
        ...(e.upstream !== undefined ? { upstream: e.upstream } : {}),
        method: e.method,
        path: e.path,
        status: e.status,
        ...(e.code !== undefined ? { code: e.code } : {}),
        count: 1,
      });
  };
  readonly #onUpstreamError = (e: UpstreamErrorEvent) => {
    const key = [e.endpoint, e.upstream, e.error.code].join('\u0000');
    const seen = this.#failures.get(key);
    if (seen) {
      seen.count++;
      seen.method = e.method;
      seen.path = e.path;
    } else
      this.#failures.set(key, {
        ...(e.endpoint !== undefined ? { endpoint: e.endpoint } : {}),
        ...(e.upstream !== undefined ? { upstream: e.upstream } : {}),
        method: e.method,
        path: e.path,
        code: e.error.code,
        count: 1,
      });
  };

  constructor(options: WorkerTrafficOptions) {
    this.#options = options;
    options.proxy.on('response', this.#onResponse);
    options.proxy.on('upstreamError', this.#onUpstreamError);
    this.#timer = setInterval(() => this.flush(), options.flushMs ?? WORKER_DEFAULTS.trafficFlushMs);
    this.#timer.unref();
  }

  /** A request-log entry (instrumentHandler and recordUpgrades call this). */
  add(entry: RequestEntry): void {
    const { redact } = this.#options;
    this.#requests.push({
      time: entry.time.toISOString(),
      method: entry.method,
      host: entry.host,
      path: entry.path,
      ...(entry.route !== undefined ? { route: entry.route } : {}),
      ...(entry.upstream !== undefined ? { upstream: entry.upstream } : {}),
      status: entry.status,
      durationMs: entry.durationMs,
      ...(entry.error !== undefined ? { error: entry.error } : {}),
      requestHeaders: redact(entry.requestHeaders),
      responseHeaders: redact(entry.responseHeaders),
    });
    // The primary's log keeps only the newest entries: older ones need not travel.
    const max = this.#options.maxEntries ?? WORKER_DEFAULTS.maxEntriesPerFlush;
    if (this.#requests.length > 2 * max) this.#requests = this.#requests.slice(-max);
  }

  /** Sends what was counted and recorded since the last flush (nothing when there is nothing). */
  flush(): void {
    if (this.#responses.size === 0 && this.#failures.size === 0 && this.#requests.length === 0) return;
    const max = this.#options.maxEntries ?? WORKER_DEFAULTS.maxEntriesPerFlush;
    const message: WorkerMessage = {
      type: 'traffic',
      responses: [...this.#responses.values()],
      failures: [...this.#failures.values()],
      requests: this.#requests.slice(-max),
    };
    this.#responses.clear();
    this.#failures.clear();
    this.#requests = [];
    this.#options.send(message);
  }

  /** Flushes once more and stops listening. */
  close(): void {
    clearInterval(this.#timer);
    this.flush();
    this.#options.proxy.off('response', this.#onResponse);
    this.#options.proxy.off('upstreamError', this.#onUpstreamError);
  }
}
