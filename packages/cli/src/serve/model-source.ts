// What `serve` runs on: a stream of translations, from files or from a cluster. The
// command hands each one to the proxy and the admin server; the source says when to.
import type { TranslationResult, UpstreamEndpointMap } from '@kupstream/core';

export interface ModelUpdate {
  result: TranslationResult;
  /** The upstreams' endpoints from the EndpointSlices of the same input (beside the model, never in it). */
  endpoints: UpstreamEndpointMap;
  /** How long the translation took (the admin server's histogram). */
  translationMs: number;
}

export interface ModelSource {
  /**
   * Produces the first translation (passed to `apply` before this resolves), then keeps
   * calling `apply` with each new one. Rejects when the input is unusable from the start.
   */
  start(apply: (update: ModelUpdate) => void): Promise<void>;
  /** Translates the unchanged input again now (the statuses joined to it changed); sources that write no statuses need not. */
  refresh?(): void;
  /** Stops producing; waits for a translation in progress. */
  close(): Promise<void>;
}

/** What serve joins to each translation before its statuses are written (handshake truth); the identity by default. */
export type StatusJoin = (result: TranslationResult) => TranslationResult;
