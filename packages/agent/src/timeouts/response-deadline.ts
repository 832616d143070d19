// The proxy's response deadline: an upstream that sends no response headers within
// `timeouts.response` ms is cut off with a typed `response_timeout`. One helper for
// every transport (HTTP/1.1 pooled and unpooled, HTTP/2), over one shared timer.
import { UpstreamError } from '../upstream-errors.js';
import { DeadlineQueue, type Deadline } from './deadlines.js';

export type { Deadline } from './deadlines.js';

export class ResponseDeadlines {
  readonly #ms: number;
  readonly #queue: DeadlineQueue;

  constructor(ms: number) {
    this.#ms = ms;
    this.#queue = new DeadlineQueue(ms);
  }

  /** Starts the deadline of one request to `upstream`; `abort` gets the `response_timeout` error. */
  arm(upstream: string, abort: (error: UpstreamError) => void): Deadline {
    return this.#queue.add(() =>
      abort(new UpstreamError('response_timeout', `no response headers within ${this.#ms} ms`, { phase: 'request', upstream })),
    );
  }

  /** Response headers arrived, or the request ended otherwise. */
  cancel(deadline: Deadline | undefined): void {
    this.#queue.cancel(deadline);
  }
}
