// Which endpoint of an upstream takes the next request: round robin or least request
// (power of two choices, as Envoy does), over the best tier of endpoints there is —
// healthy ones; else (panic) ready ones an ejection or a health check took out; else
// terminating ones still serving (as kube-proxy falls back to them). Pure: the caller
// keeps the round-robin cursor and supplies the randomness.

export type LoadBalancer = 'round-robin' | 'least-request';

/** What the picker needs to know of an endpoint. */
export interface PickableEndpoint {
  /** Ready and not terminating (EndpointSlice conditions). */
  readonly ready: boolean;
  /** Serving, though maybe terminating. */
  readonly serving: boolean;
  /** Taken out by outlier detection or a failing health check. */
  readonly ejected: boolean;
  /** Requests in progress on it. */
  readonly inFlight: number;
}

/** 0 healthy, 1 ready but ejected, 2 terminating yet serving, 3 never picked. */
export function tierOf(endpoint: PickableEndpoint): number {
  if (endpoint.ready) return endpoint.ejected ? 1 : 0;
  return endpoint.serving ? 2 : 3;
}

export interface PickerState {
  /** Round-robin position, advanced by each pick. */
  cursor: number;
}

/**
 * The index of the endpoint for the next request, or undefined when none may take one.
 * `random` returns [0, 1).
 */
/** A host's `random` is trusted to give [0, 1); anything else (NaN, 1, negative) counts as 0, never as no endpoint. */
function unit(value: number): number {
  return value >= 0 && value < 1 ? value : 0;
}

export function pickEndpoint(
  endpoints: readonly PickableEndpoint[],
  policy: LoadBalancer,
  state: PickerState,
  random: () => number,
): number | undefined {
  let best = 3;
  for (const e of endpoints) best = Math.min(best, tierOf(e));
  if (best === 3) return undefined;
  const candidates: number[] = [];
  for (let i = 0; i < endpoints.length; i++) if (tierOf(endpoints[i]!) === best) candidates.push(i);
  if (candidates.length === 1) return candidates[0];
  if (policy === 'round-robin') {
    const at = state.cursor % candidates.length;
    state.cursor = (at + 1) % Number.MAX_SAFE_INTEGER;
    return candidates[at];
  }
  // Two distinct candidates at random; the one with fewer requests in progress (the first on a tie).
  const n = candidates.length;
  const a = Math.min(n - 1, Math.floor(unit(random()) * n));
  let b = Math.min(n - 2, Math.floor(unit(random()) * (n - 1)));
  if (b >= a) b++;
  const first = candidates[a]!;
  const second = candidates[b]!;
  return endpoints[second]!.inFlight < endpoints[first]!.inFlight ? second : first;
}
