// GatewayClass selection by controllerName, and the status of the classes that are ours
// (conditions, and the supported features of an accepted class).
import type { ResourceStatus } from '@kupstream/core';
import { compareStrings, identityOf, isRecord } from '@kupstream/core/building-blocks';
import type { GatewayClass } from '@kupstream/gateway-api-types';
import type { TranslationContext } from './context.js';
import { ConditionType, Reason } from './reasons.js';
import { resourceStatus, statusField, toCondition } from './status.js';
import { supportedFeatures } from './supported-features.js';

export interface ClassSelection {
  /** True when Gateways of this class are ours to translate. */
  isOurs(className: string): boolean;
  /** No GatewayClass objects were given and `assumeClassesWhenAbsent` is on. */
  assumed: boolean;
  statuses: ResourceStatus[];
}

export function selectGatewayClasses(ctx: TranslationContext, classes: readonly GatewayClass[]): ClassSelection {
  if (classes.length === 0 && ctx.options.assumeClassesWhenAbsent) return { isOurs: () => true, assumed: true, statuses: [] };
  const ours = new Set<string>();
  const statuses: ResourceStatus[] = [];
  const seen = new Set<string>();
  for (const gatewayClass of [...classes].sort((a, b) => compareStrings(identityOf(a, '').name, identityOf(b, '').name))) {
    const { name, generation } = identityOf(gatewayClass, '');
    if (!name || seen.has(name)) continue;
    seen.add(name);
    const spec = isRecord(gatewayClass.spec) ? gatewayClass.spec : {};
    if (spec.controllerName !== ctx.options.controllerName) continue;
    const stamp = { generation, time: ctx.options.transitionTime, previous: statusField(gatewayClass, 'conditions') };
    const ref = { kind: 'GatewayClass', name };
    let accepted = { status: true, reason: Reason.Accepted as string, message: '' };
    if (spec.parametersRef !== undefined && spec.parametersRef !== null) {
      const message = 'spec.parametersRef is set, but this controller takes no parameters';
      ctx.diagnostics.error('GatewayClassInvalidParameters', ref, message, 'spec.parametersRef');
      accepted = { status: false, reason: Reason.InvalidParameters, message };
    } else ours.add(name);
    statuses.push(
      resourceStatus(gatewayClass, 'GatewayClass', undefined, name, {
        conditions: [toCondition(ConditionType.Accepted, accepted, stamp)],
        ...(accepted.status ? { supportedFeatures: supportedFeatures() } : {}),
      }),
    );
  }
  return { isOurs: (className) => ours.has(className), assumed: false, statuses };
}
