// One Gateway of ours: listeners, backend client certificate, and its status.
import type { ResourceRef, ResourceStatus } from '@kupstream/core';
import { identityOf, isRecord, refOf, type Identity } from '@kupstream/core/building-blocks';
import type { Gateway } from '@kupstream/gateway-api-types';
import { resolveGatewayClientCertificate, type ClientCertificateOutcome } from './client-certificates.js';
import type { TranslationContext } from './context.js';
import { applyFrontendValidation, INSECURE_FRONTEND_CONDITION } from './frontend-validation.js';
import { buildListeners, listenerServes, type ListenerState } from './listeners.js';
import { ConditionType, Reason } from './reasons.js';
import { findStatusEntry, resourceStatus, statusField, toCondition, type ConditionSpec, type ConditionStamp } from './status.js';

export interface GatewayState {
  object: Gateway;
  identity: Identity;
  ref: ResourceRef;
  /** `namespace/name` */
  key: string;
  listeners: ListenerState[];
  clientCertificate: ClientCertificateOutcome;
  /** Set when the Gateway itself cannot be accepted (e.g. unresolvable parameters). */
  invalid?: ConditionSpec;
  /** InsecureFrontendValidationMode: some listener accepts clients without a valid certificate. */
  insecureFrontend?: ConditionSpec;
}

export function buildGateway(ctx: TranslationContext, gateway: Gateway): GatewayState {
  const identity = identityOf(gateway, ctx.options.defaultNamespace);
  const ref = refOf('Gateway', gateway, ctx.options.defaultNamespace);
  const spec = isRecord(gateway.spec) ? gateway.spec : {};
  const state: GatewayState = {
    object: gateway,
    identity,
    ref,
    key: `${identity.namespace}/${identity.name}`,
    listeners: buildListeners(ctx, gateway, ref),
    clientCertificate: resolveGatewayClientCertificate(ctx, gateway, ref),
  };
  const insecureFrontend = applyFrontendValidation(ctx, gateway, state.listeners, ref);
  if (insecureFrontend) state.insecureFrontend = insecureFrontend;
  const infrastructure = isRecord(spec.infrastructure) ? spec.infrastructure : undefined;
  if (infrastructure?.parametersRef !== undefined && infrastructure.parametersRef !== null) {
    const message = 'spec.infrastructure.parametersRef is set, but this controller takes no parameters';
    ctx.diagnostics.error('GatewayInvalidParameters', ref, message, 'spec.infrastructure.parametersRef');
    state.invalid = { status: false, reason: Reason.InvalidParameters, message };
    for (const listener of state.listeners)
      if (listener.programmed.status) listener.programmed = { status: false, reason: Reason.Invalid, message };
  }
  if (Array.isArray(spec.addresses) && spec.addresses.length > 0) {
    ctx.diagnostics.warning(
      'GatewayAddressesIgnored',
      ref,
      'spec.addresses is ignored: endpoints are reached by their hostnames',
      'spec.addresses',
    );
  }
  return state;
}

/** What the routes did to a Gateway's listeners: how many are attached, and URLs lost to older Gateways. */
export interface ListenerRouteFacts {
  attachedRoutes(listenerIndex: number): number;
  conflicted(listener: ListenerState): ConditionSpec | undefined;
}

export function gatewayStatus(ctx: TranslationContext, state: GatewayState, routes: ListenerRouteFacts): ResourceStatus {
  const stamp = {
    generation: state.identity.generation,
    time: ctx.options.transitionTime,
    previous: statusField(state.object, 'conditions'),
  };
  const listeners = state.listeners;
  const acceptedCount = listeners.filter((l) => l.accepted.status).length;
  let accepted: ConditionSpec;
  if (state.invalid) accepted = state.invalid;
  else if (listeners.length === 0) accepted = { status: false, reason: Reason.ListenersNotValid, message: 'the Gateway has no listeners' };
  else if (acceptedCount === 0) accepted = { status: false, reason: Reason.ListenersNotValid, message: 'no listener is valid' };
  else if (acceptedCount < listeners.length) {
    accepted = {
      status: true,
      reason: Reason.ListenersNotValid,
      message: `${listeners.length - acceptedCount} of ${listeners.length} listeners are not valid`,
    };
  } else accepted = { status: true, reason: Reason.Accepted, message: '' };
  const programmed: ConditionSpec =
    accepted.status && listeners.some(listenerServes)
      ? { status: true, reason: Reason.Programmed, message: '' }
      : { status: false, reason: Reason.Invalid, message: accepted.status ? 'no listener is programmed' : accepted.message };
  const client = state.clientCertificate.resolvedRefs;
  const resolvedRefs: ConditionSpec = client.ok
    ? { status: true, reason: Reason.ResolvedRefs, message: '' }
    : { status: false, reason: client.reason, message: client.message };
  return resourceStatus(state.object, 'Gateway', state.identity.namespace, state.identity.name, {
    conditions: [
      toCondition(ConditionType.Accepted, accepted, stamp),
      toCondition(ConditionType.Programmed, programmed, stamp),
      toCondition(ConditionType.ResolvedRefs, resolvedRefs, stamp),
      ...(state.insecureFrontend ? [toCondition(INSECURE_FRONTEND_CONDITION, state.insecureFrontend, stamp)] : []),
    ],
    listeners: listeners.map((l) => {
      const previous = findStatusEntry(statusField(state.object, 'listeners'), (e) => e.name === l.name);
      return listenerStatus(l, routes, { ...stamp, previous: previous?.conditions });
    }),
  });
}

/** One entry of status.listeners; conditions keep their time when the status is unchanged. */
function listenerStatus(l: ListenerState, routes: ListenerRouteFacts, stamp: ConditionStamp): Record<string, unknown> {
  // A conflict found among the Gateway's own listeners is the one reported.
  const conflicted = l.conflicted ?? routes.conflicted(l);
  return {
    name: l.name,
    attachedRoutes: routes.attachedRoutes(l.index),
    supportedKinds: l.supportedKinds.map((k) => ({ group: k.group, kind: k.kind })),
    conditions: [
      toCondition(ConditionType.Accepted, l.accepted, stamp),
      toCondition(ConditionType.ResolvedRefs, l.resolvedRefs, stamp),
      toCondition(ConditionType.Programmed, l.programmed, stamp),
      ...(conflicted ? [toCondition(ConditionType.Conflicted, conflicted, stamp)] : []),
    ],
  };
}
