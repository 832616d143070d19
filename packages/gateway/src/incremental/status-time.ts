// Whether a status depends on the translation's time: it does when one of its conditions
// was stamped with it (a condition that changed). A status whose conditions all kept the
// object's earlier transition times is valid at any time, so the translator keeps it.
import type { ResourceStatus } from '@kupstream/core';
import { isRecord } from '@kupstream/core/building-blocks';

/** Whether any condition of the status has `transitionTime` as its lastTransitionTime. */
export function stampedAt(status: ResourceStatus | undefined, transitionTime: string): boolean {
  return status !== undefined && holdsTime(status.status, transitionTime);
}

function holdsTime(value: unknown, time: string): boolean {
  if (Array.isArray(value)) return value.some((item) => holdsTime(item, time));
  if (!isRecord(value)) return false;
  if (value.lastTransitionTime === time) return true;
  for (const key in value) {
    const child = value[key];
    if (typeof child === 'object' && child !== null && holdsTime(child, time)) return true;
  }
  return false;
}
