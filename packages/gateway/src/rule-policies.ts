// HTTPRoute rule `timeouts` and `retry`, validated into the model's millisecond shapes.
// A value the Gateway API's own validation would refuse is a problem for the caller to
// report (the rule then answers 500, as for a filter that cannot be honoured).
import type { RouteRetry, RouteTimeouts } from '@kupstream/core';
import { durationMs, isRecord } from '@kupstream/core/building-blocks';

export { durationMs };

export type RulePolicyOutcome<T> = { ok: true; value: T | undefined } | { ok: false; message: string; field: string };

export function readTimeouts(value: unknown, field: string): RulePolicyOutcome<RouteTimeouts> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (!isRecord(value)) return { ok: false, message: 'timeouts must be an object', field };
  const out: RouteTimeouts = {};
  const read = (key: 'request' | 'backendRequest'): number | string | undefined => {
    const raw = value[key];
    if (raw === undefined || raw === null) return undefined;
    const ms = durationMs(raw);
    return ms === undefined ? `timeouts.${key} ${JSON.stringify(raw)} is not a duration such as "500ms", "10s" or "1m30s"` : ms;
  };
  const request = read('request');
  if (typeof request === 'string') return { ok: false, message: request, field: `${field}.request` };
  const backendRequest = read('backendRequest');
  if (typeof backendRequest === 'string') return { ok: false, message: backendRequest, field: `${field}.backendRequest` };
  // `0s` disables a timeout: the agent's own limits apply.
  if (request !== undefined && request > 0 && backendRequest !== undefined && (backendRequest === 0 || backendRequest > request))
    return {
      ok: false,
      message: `timeouts.backendRequest (${String(value.backendRequest)}) must not exceed timeouts.request (${String(value.request)})`,
      field: `${field}.backendRequest`,
    };
  if (request) out.requestMs = request;
  if (backendRequest) out.backendRequestMs = backendRequest;
  return { ok: true, value: out.requestMs !== undefined || out.backendRequestMs !== undefined ? out : undefined };
}

export function readRetry(value: unknown, field: string): RulePolicyOutcome<RouteRetry> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (!isRecord(value)) return { ok: false, message: 'retry must be an object', field };
  const { attempts, backoff, codes } = value;
  if (attempts !== undefined && (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 0 || attempts > 1000))
    return {
      ok: false,
      message: `retry.attempts ${JSON.stringify(attempts)} must be an integer from 0 to 1000`,
      field: `${field}.attempts`,
    };
  let backoffMs: number | undefined;
  if (backoff !== undefined && backoff !== null) {
    backoffMs = durationMs(backoff);
    if (backoffMs === undefined)
      return {
        ok: false,
        message: `retry.backoff ${JSON.stringify(backoff)} is not a duration such as "100ms"`,
        field: `${field}.backoff`,
      };
  }
  let statusCodes: number[] | undefined;
  if (codes !== undefined && codes !== null) {
    if (!Array.isArray(codes) || !codes.every((c): c is number => typeof c === 'number' && Number.isInteger(c) && c >= 400 && c <= 599))
      return { ok: false, message: 'retry.codes must be a list of HTTP statuses from 400 to 599', field: `${field}.codes` };
    statusCodes = [...new Set(codes)].sort((a, b) => a - b);
  }
  // Gateway API: attempts unset is implementation-specific; kupstream then makes no retry.
  if (attempts === undefined || attempts === 0) return { ok: true, value: undefined };
  return {
    ok: true,
    value: {
      attempts,
      ...(backoffMs !== undefined ? { backoffMs } : {}),
      ...(statusCodes !== undefined && statusCodes.length > 0 ? { codes: statusCodes } : {}),
    },
  };
}
