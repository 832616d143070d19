import type { Condition, ConditionStatus } from './model.js';

// A translation stamps thousands of conditions with one `now`: the last one is formatted once.
let lastTime = Number.NaN;
let lastText = '';

/** Formats a Date as metav1.Time (RFC 3339, seconds precision). */
export function metaTime(date: Date): string {
  const time = date.getTime();
  if (time !== lastTime) {
    lastText = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastTime = time;
  }
  return lastText;
}

/** A metav1.Condition with a fixed key order (type, status, reason, observedGeneration, lastTransitionTime, message). */
export function makeCondition(
  type: string,
  status: ConditionStatus | boolean,
  reason: string,
  message: string,
  observedGeneration: number | undefined,
  now: Date,
): Condition {
  return {
    type,
    status: typeof status === 'boolean' ? (status ? 'True' : 'False') : status,
    reason,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    lastTransitionTime: metaTime(now),
    message,
  };
}
