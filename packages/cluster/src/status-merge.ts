// What the status writer would write, made stable against the object's previous status:
// translators stamp every condition with `now()`, but a condition's lastTransitionTime
// must only move when its status does (metav1.Condition), and the parent/ancestor
// entries other controllers own in a shared status must survive our write (Gateway API).
import { isRecord } from '@kupstream/core/building-blocks';

/**
 * `desired` with each condition's lastTransitionTime taken from `previous` when the
 * condition (same type, in the same listener/parent/ancestor entry) kept its status, and
 * with `parents`/`ancestors` entries of other controllers (from `current`) kept after ours.
 */
export function stabilizeStatus(desired: Record<string, unknown>, previous: unknown, current: unknown): Record<string, unknown> {
  const stable = keepTransitionTimes(desired, previous) as Record<string, unknown>;
  for (const shared of ['parents', 'ancestors']) {
    const ours = stable[shared];
    const theirs = isRecord(current) ? current[shared] : undefined;
    if (!Array.isArray(ours) || !Array.isArray(theirs)) continue;
    const controllers = new Set(ours.map((entry) => (isRecord(entry) ? entry.controllerName : undefined)));
    const foreign = theirs.filter(
      (entry) => isRecord(entry) && typeof entry.controllerName === 'string' && !controllers.has(entry.controllerName),
    );
    if (foreign.length) stable[shared] = [...ours, ...foreign];
  }
  return stable;
}

function keepTransitionTimes(desired: unknown, previous: unknown): unknown {
  if (Array.isArray(desired)) {
    const before = Array.isArray(previous) ? previous : [];
    return desired.map((item) => {
      const id = identity(item);
      return keepTransitionTimes(item, id === undefined ? undefined : before.find((p) => identity(p) === id));
    });
  }
  if (!isRecord(desired)) return desired;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(desired)) out[key] = keepTransitionTimes(value, isRecord(previous) ? previous[key] : undefined);
  if (
    isCondition(desired) &&
    isCondition(previous) &&
    previous.status === desired.status &&
    typeof previous.lastTransitionTime === 'string'
  ) {
    out.lastTransitionTime = previous.lastTransitionTime;
  }
  return out;
}

/** What makes a list entry "the same one" in the statuses kupstream writes. */
function identity(item: unknown): string | undefined {
  if (!isRecord(item)) return undefined;
  if (isCondition(item)) return `condition:${String(item.type)}`;
  if (isRecord(item.parentRef)) return `parent:${canonical(item.parentRef)}:${String(item.controllerName)}`;
  if (isRecord(item.ancestorRef)) return `ancestor:${canonical(item.ancestorRef)}:${String(item.controllerName)}`;
  if (typeof item.name === 'string') return `name:${item.name}`;
  return undefined;
}

function isCondition(value: unknown): value is Record<string, unknown> & { type: string; status: unknown } {
  return isRecord(value) && typeof value.type === 'string' && 'status' in value && 'reason' in value;
}

/** Order-insensitive JSON, for comparing references and statuses. */
export function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      isRecord(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, v[k]]),
          )
        : v,
    ) ?? 'undefined'
  );
}

/** RFC 7386 merge patch: what the API server does with our `application/merge-patch+json` body. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
