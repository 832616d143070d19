// Upstream failures seen by the proxy, on stderr. Under load an upstream that is down fails
// every request: one line per (upstream, code) per interval, with the count of the rest.
import type { Logger } from '../log/log.js';

export interface UpstreamFailure {
  upstream?: string;
  endpoint?: string;
  method: string;
  path: string;
  error: { code: string; message: string };
}

export const UPSTREAM_ERROR_LOG_INTERVAL_MS = 5000;

export function upstreamErrorLogger(log: Logger, now: () => number = Date.now): (failure: UpstreamFailure) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (failure) => {
    const key = `${failure.upstream ?? ''}\u0000${failure.error.code}`;
    const at = now();
    const seen = last.get(key);
    if (seen && at - seen.at < UPSTREAM_ERROR_LOG_INTERVAL_MS) {
      seen.suppressed++;
      return;
    }
    const more = seen && seen.suppressed ? ` (${seen.suppressed} more like it since the last report)` : '';
    last.set(key, { at, suppressed: 0 });
    const endpoint = failure.endpoint ? ` (endpoint ${failure.endpoint})` : '';
    log.warn(
      `upstream ${failure.upstream ?? '(none)'} failed (${failure.error.code}) for ${failure.method} ${failure.path}${endpoint}: ${failure.error.message}${more}`,
    );
  };
}
