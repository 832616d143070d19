// BackendTLSPolicy status: one ancestor entry per Gateway of ours whose routes reach a
// Service port the policy targets.
import type { ResourceStatus } from '@kupstream/core';
import { compareStrings, isRecord } from '@kupstream/core/building-blocks';
import { TLS_OPTIONS_CONDITION } from './backend-tls-options.js';
import type { PolicyState } from './backend-tls-policy.js';
import type { TranslationContext } from './context.js';
import type { GatewayState } from './gateways.js';
import { ConditionType, GATEWAY_GROUP } from './reasons.js';
import { findStatusEntry, resourceStatus, statusField, toCondition } from './status.js';

/** Bound of status.ancestors in the API. */
export const MAX_ANCESTORS = 16;

/** `ancestors`: the Gateways (ns/name) whose routes reach a Service port the policy targets. */
export function backendTlsPolicyStatus(
  ctx: TranslationContext,
  policy: PolicyState,
  ancestorKeys: Iterable<string>,
  gateways: ReadonlyMap<string, GatewayState>,
): ResourceStatus | undefined {
  const keys = [...ancestorKeys].filter((k) => gateways.has(k)).sort(compareStrings);
  if (keys.length === 0) {
    ctx.diagnostics.info(
      'BackendTLSPolicyUnused',
      policy.ref,
      'no route of a Gateway handled here reaches a Service port this policy targets; no status written',
    );
    return undefined;
  }
  if (keys.length > MAX_ANCESTORS) {
    ctx.diagnostics.warning(
      'BackendTLSPolicyAncestorsTruncated',
      policy.ref,
      `${keys.length} Gateways use this policy; status lists the first ${MAX_ANCESTORS}`,
    );
  }
  const stamp = { generation: policy.identity.generation, time: ctx.options.transitionTime };
  const ancestors = keys.slice(0, MAX_ANCESTORS).map((key) => {
    const gateway = gateways.get(key)!;
    const previous = findStatusEntry(
      statusField(policy.object, 'ancestors'),
      (e) =>
        e.controllerName === ctx.options.controllerName &&
        isRecord(e.ancestorRef) &&
        e.ancestorRef.name === gateway.identity.name &&
        (e.ancestorRef.namespace ?? policy.identity.namespace) === gateway.identity.namespace,
    );
    const ancestorStamp = { ...stamp, previous: previous?.conditions };
    return {
      ancestorRef: { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gateway.identity.namespace, name: gateway.identity.name },
      controllerName: ctx.options.controllerName,
      conditions: [
        toCondition(ConditionType.Accepted, policy.accepted, ancestorStamp),
        toCondition(ConditionType.ResolvedRefs, policy.resolvedRefs, ancestorStamp),
        ...(policy.options ? [toCondition(TLS_OPTIONS_CONDITION, policy.options, ancestorStamp)] : []),
      ],
    };
  });
  return resourceStatus(policy.object, 'BackendTLSPolicy', policy.identity.namespace, policy.identity.name, { ancestors });
}
