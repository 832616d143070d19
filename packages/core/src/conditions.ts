import type { Condition, ConditionStatus } from './model.js';

/**
 * Formats a Date as metav1.Time (RFC 3339, seconds precision). A translation stamps
 * thousands of conditions with one time: it formats it once (`transitionTime` of the
 * resolved options) and passes the text to `makeCondition`.
 */
export function metaTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A metav1.Condition with a fixed key order (type, status, reason, observedGeneration, lastTransitionTime, message). */
export function makeCondition(
  type: string,
  status: ConditionStatus | boolean,
  reason: string,
  message: string,
  observedGeneration: number | undefined,
  /** The transition time: a Date, or its `metaTime` text. */
  now: Date | string,
): Condition {
  return {
    type,
    status: typeof status === 'boolean' ? (status ? 'True' : 'False') : status,
    reason,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    lastTransitionTime: typeof now === 'string' ? now : metaTime(now),
    message,
  };
}
