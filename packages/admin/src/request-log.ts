// A bounded ring of the last requests the agent served, for the inspector. Bounded so
// a busy agent keeps constant memory; redacted on the way in so nothing downstream
// (API, SSE, page) can leak what it never received.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { DEFAULT_REDACTED_HEADERS, redactHeaders, redactedHeaderSet, redactPrivateKeys, type HeaderRecord } from './redaction.js';

export interface RequestRecord {
  id: string;
  /** ISO 8601, when the request arrived. */
  time: string;
  method: string;
  host: string;
  path: string;
  /** `Route.name` that served it, when known. */
  route?: string;
  /** `Upstream.name` it went to, when known. */
  upstream?: string;
  status: number;
  durationMs: number;
  /** The agent's `x-kupstream-error` code. */
  error?: string;
  /** The worker process that served it (`serve --workers N`: its slot, 1..N). */
  worker?: number;
  requestHeaders: HeaderRecord;
  responseHeaders: HeaderRecord;
  /** Only when body capture is enabled; UTF-8, cut at `maxBodyBytes`. */
  requestBody?: CapturedBody;
  responseBody?: CapturedBody;
}

export interface CapturedBody {
  text: string;
  /** Bytes seen in total (may exceed what `text` holds). */
  bytes: number;
  truncated: boolean;
}

/** What a recorder hands in: headers raw, bodies as captured bytes. */
export interface RequestEntry {
  time: Date;
  method: string;
  host: string;
  path: string;
  route?: string;
  upstream?: string;
  status: number;
  durationMs: number;
  error?: string;
  worker?: number;
  requestHeaders: IncomingHttpHeaders | OutgoingHttpHeaders;
  responseHeaders: IncomingHttpHeaders | OutgoingHttpHeaders;
  requestBody?: { data: Buffer; bytes: number };
  responseBody?: { data: Buffer; bytes: number };
}

export interface RequestLogOptions {
  /** Records kept; default 200. */
  capacity?: number;
  /** Header names whose values are redacted; default authorization, cookie, proxy-authorization, set-cookie. */
  redactHeaders?: Iterable<string>;
  /** Keep request and response bodies; default false. */
  captureBodies?: boolean;
  /** Per body; default 4096. */
  maxBodyBytes?: number;
}

/** `status`: `2xx`…`5xx`, an exact code such as `502`, or `error` (carries an x-kupstream-error code). */
export interface RequestFilter {
  status?: string;
  upstream?: string;
  limit?: number;
}

export type RequestListener = (record: RequestRecord) => void;

/**
 * Where recorders (`instrumentHandler`, `recordUpgrades`) put each exchange: a RequestLog, or
 * anything that carries entries elsewhere (a worker process sending them to its primary).
 */
export interface RequestSink {
  readonly captureBodies: boolean;
  readonly maxBodyBytes: number;
  add(entry: RequestEntry): unknown;
}

export const DEFAULT_REQUEST_LOG_CAPACITY = 200;
export const DEFAULT_MAX_BODY_BYTES = 4096;

export class RequestLog implements RequestSink {
  readonly capacity: number;
  readonly captureBodies: boolean;
  readonly maxBodyBytes: number;
  readonly #redacted: ReadonlySet<string>;
  readonly #ring: (RequestRecord | undefined)[];
  readonly #byId = new Map<string, RequestRecord>();
  readonly #listeners = new Set<RequestListener>();
  #next = 0;
  #count = 0;
  #seq = 0;

  constructor(options: RequestLogOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_REQUEST_LOG_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`request log capacity must be a positive integer, got ${capacity}`);
    const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0)
      throw new RangeError(`maxBodyBytes must be a non-negative integer, got ${maxBodyBytes}`);
    this.capacity = capacity;
    this.captureBodies = options.captureBodies ?? false;
    this.maxBodyBytes = maxBodyBytes;
    this.#redacted = redactedHeaderSet(options.redactHeaders ?? DEFAULT_REDACTED_HEADERS);
    this.#ring = new Array<RequestRecord | undefined>(capacity);
  }

  get size(): number {
    return this.#count;
  }

  /** Stores one request (redacted), evicting the oldest when full, and notifies subscribers. */
  add(entry: RequestEntry): RequestRecord {
    const record: RequestRecord = {
      id: String(++this.#seq),
      time: entry.time.toISOString(),
      method: entry.method,
      host: entry.host,
      path: entry.path,
      ...(entry.route !== undefined ? { route: entry.route } : {}),
      ...(entry.upstream !== undefined ? { upstream: entry.upstream } : {}),
      status: entry.status,
      durationMs: entry.durationMs,
      ...(entry.error !== undefined ? { error: entry.error } : {}),
      ...(entry.worker !== undefined ? { worker: entry.worker } : {}),
      requestHeaders: redactHeaders(entry.requestHeaders, this.#redacted),
      responseHeaders: redactHeaders(entry.responseHeaders, this.#redacted),
    };
    if (this.captureBodies && entry.requestBody) record.requestBody = this.#body(entry.requestBody);
    if (this.captureBodies && entry.responseBody) record.responseBody = this.#body(entry.responseBody);
    const evicted = this.#ring[this.#next];
    if (evicted) this.#byId.delete(evicted.id);
    this.#ring[this.#next] = record;
    this.#byId.set(record.id, record);
    this.#next = (this.#next + 1) % this.capacity;
    this.#count = Math.min(this.#count + 1, this.capacity);
    for (const listener of this.#listeners) {
      // A broken subscriber (e.g. a closed SSE client) must not break request handling.
      try {
        listener(record);
      } catch {
        this.#listeners.delete(listener);
      }
    }
    return record;
  }

  get(id: string): RequestRecord | undefined {
    return this.#byId.get(id);
  }

  /** Newest first. */
  list(filter: RequestFilter = {}): RequestRecord[] {
    const matches = statusMatcher(filter.status);
    const out: RequestRecord[] = [];
    const limit = filter.limit ?? this.capacity;
    for (let i = 1; i <= this.#count && out.length < limit; i++) {
      const record = this.#ring[(this.#next - i + this.capacity) % this.capacity];
      if (!record) continue;
      if (filter.upstream !== undefined && filter.upstream !== '' && record.upstream !== filter.upstream) continue;
      if (!matches(record)) continue;
      out.push(record);
    }
    return out;
  }

  /** Calls `listener` for every new record; returns the unsubscribe function. */
  subscribe(listener: RequestListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  clear(): void {
    this.#ring.fill(undefined);
    this.#byId.clear();
    this.#next = 0;
    this.#count = 0;
  }

  #body({ data, bytes }: { data: Buffer; bytes: number }): CapturedBody {
    const kept = data.subarray(0, this.maxBodyBytes);
    return { text: redactPrivateKeys(kept.toString('utf8')), bytes, truncated: bytes > kept.length };
  }
}

/** Parses the `status` filter; unknown forms match nothing rather than everything. */
export function statusMatcher(status: string | undefined): (record: RequestRecord) => boolean {
  if (status === undefined || status === '' || status === 'all') return () => true;
  if (status === 'error') return (r) => r.error !== undefined;
  const klass = /^([1-5])xx$/i.exec(status);
  if (klass) {
    const digit = Number(klass[1]);
    return (r) => Math.floor(r.status / 100) === digit;
  }
  if (/^[1-5]\d\d$/.test(status)) {
    const code = Number(status);
    return (r) => r.status === code;
  }
  return () => false;
}
