// One proxied HTTP/1.1 request as an undici dispatch handler: the upstream's response
// goes straight to the client's ServerResponse (headers made end-to-end, response filters
// applied), with backpressure both ways. undici's Pool replaced http.request + http.Agent
// here because it costs far less CPU per request (bench/README.md, "Data plane").
import type http from 'node:http';
import { nextTick } from 'node:process';
import type { HeaderModifier } from '@kupstream/core';
import type { Dispatcher } from 'undici';
import { modifyHeaders } from './filters.js';
import { endToEndRaw } from './http-headers.js';
import type { Deadline, ResponseDeadlines } from './timeouts/response-deadline.js';

/** What the proxy does with the outcome. */
export interface Http1Outcome {
  /** Response headers were written (status known). */
  responding(status: number): void;
  /** Writes the response head; false when it was refused (and answered otherwise). */
  writeHead(status: number, headers: http.OutgoingHttpHeaders): boolean;
  /**
   * The upstream failed, before or after the response headers. `replayable` is true when
   * the request was never written, or went out on a connection that had carried a request
   * before (a kept-alive connection the upstream may have closed under it).
   */
  failed(error: Error, replayable: boolean): void;
}

/** Requests written on one undici Client's current connection (reset on every new connection). */
export interface ConnectionUse {
  written: number;
}

export class Http1Forwarding implements Dispatcher.DispatchHandler {
  /** Set by the pool's Client when it takes the request. */
  connection: ConnectionUse | undefined;
  /** The response deadline, cancelled once headers arrive or the request fails. */
  deadline: Deadline | undefined;
  #abort: ((err?: Error) => void) | undefined;
  #reused = false;
  #cancelled: Error | undefined;
  #done = false;
  #resume: (() => void) | undefined;

  constructor(
    readonly res: http.ServerResponse,
    readonly modifiers: HeaderModifier[],
    readonly outcome: Http1Outcome,
    readonly deadlines: Pick<ResponseDeadlines, 'arm' | 'cancel'>,
  ) {}

  /** Stops the request with this error (reported through `failed`), wherever it is. */
  cancel(err: Error): void {
    if (this.#done) return;
    if (this.#abort) return this.#abort(err);
    // Not on a connection yet: report now, abort once undici hands it one.
    this.#cancelled = err;
    this.onError(err);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.#cancelled) return abort(this.#cancelled);
    this.#abort = abort;
    this.#reused = this.connection !== undefined && this.connection.written++ > 0;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx interim responses are not forwarded (as with http.request).
    if (statusCode < 200 || this.#done) return true;
    this.deadlines.cancel(this.deadline);
    const headers = endToEndRaw(rawHeaders);
    for (const modifier of this.modifiers) modifyHeaders(headers, modifier);
    this.#resume = resume;
    if (this.outcome.writeHead(statusCode, headers)) {
      this.outcome.responding(statusCode);
      return true;
    }
    // The client was answered instead; the upstream response is dropped.
    this.#done = true;
    this.#abort?.(new Error('the response head was refused'));
    return false;
  }

  onData(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    // undici stops reading the upstream until the client drains.
    if (this.#resume) this.res.once('drain', this.#resume);
    return false;
  }

  onComplete(): void {
    if (this.#done) return;
    this.#done = true;
    this.res.end();
  }

  onError(err: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.deadlines.cancel(this.deadline);
    // On the next tick, as http.request reports errors: a caller that cancels (the body
    // limit) answers the client first.
    nextTick(reportFailure, this.outcome, err, this.#abort === undefined || this.#reused);
  }
}

function reportFailure(outcome: Http1Outcome, err: Error, replayable: boolean): void {
  outcome.failed(err, replayable);
}
