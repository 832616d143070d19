// Kubernetes-shaped status objects, ready to PATCH as `.status`.
import type { Condition, ResourceStatus } from '@kupstream/core';
import { isRecord, makeCondition } from '@kupstream/core/building-blocks';
import { GATEWAY_API_VERSION, GATEWAY_GROUP } from './reasons.js';

/** A condition before it gets its generation and time. */
export interface ConditionSpec {
  status: boolean;
  reason: string;
  message: string;
}

export interface ConditionStamp {
  generation: number | undefined;
  /** The translation's time as metav1.Time (`transitionTime` of the resolved options). */
  time: string;
  /** The conditions the object's status already holds at this place, if any. */
  previous?: unknown;
}

/**
 * A metav1.Condition. Objects read from files carry no generation; the API server gives
 * every new object generation 1, so that is what they are observed at. The transition
 * time is `now` unless the object already holds this condition with the same status, whose
 * time is kept (as meta.SetStatusCondition does), so unchanged status does not churn.
 */
export function toCondition(type: string, spec: ConditionSpec, stamp: ConditionStamp): Condition {
  const condition = makeCondition(type, spec.status, spec.reason, spec.message, stamp.generation ?? 1, stamp.time);
  const before = Array.isArray(stamp.previous) ? stamp.previous.find((c) => isRecord(c) && c.type === type) : undefined;
  if (
    isRecord(before) &&
    before.status === condition.status &&
    typeof before.lastTransitionTime === 'string' &&
    !Number.isNaN(Date.parse(before.lastTransitionTime))
  ) {
    condition.lastTransitionTime = before.lastTransitionTime;
  }
  return condition;
}

/** `object.status[key]`, read defensively. */
export function statusField(object: unknown, key: string): unknown {
  return isRecord(object) && isRecord(object.status) ? object.status[key] : undefined;
}

/** The entry of a status list (parents, ancestors, listeners) that `matches`, if any. */
export function findStatusEntry(list: unknown, matches: (entry: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
  return Array.isArray(list) ? list.find((e): e is Record<string, unknown> => isRecord(e) && matches(e)) : undefined;
}

/** The object's own gateway.networking.k8s.io version, else v1. */
export function apiVersionOf(object: unknown, fallback = GATEWAY_API_VERSION): string {
  const apiVersion = isRecord(object) ? object.apiVersion : undefined;
  return typeof apiVersion === 'string' && apiVersion.startsWith(`${GATEWAY_GROUP}/`) ? apiVersion : fallback;
}

export function resourceStatus(
  object: unknown,
  kind: string,
  namespace: string | undefined,
  name: string,
  status: Record<string, unknown>,
): ResourceStatus {
  return { apiVersion: apiVersionOf(object), kind, ...(namespace !== undefined ? { namespace } : {}), name, status };
}
