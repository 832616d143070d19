// Frontend (client certificate) validation — `spec.tls.frontend` (v1.4+) and the listener
// `tls.frontendValidation` of earlier versions. The model cannot express it, so affected
// HTTPS listeners are not programmed: serving them without the check would fail open.
import { isRecord, type ResourceRef } from '@kupstream/core';
import type { Gateway } from '@kupstream/gateway-api-types';
import type { TranslationContext } from './context.js';
import type { ListenerState } from './listeners.js';
import { Reason } from './reasons.js';

export function applyFrontendValidation(
  ctx: TranslationContext,
  gateway: Gateway,
  listeners: ListenerState[],
  gatewayRef: ResourceRef,
): void {
  const spec = isRecord(gateway.spec) ? gateway.spec : {};
  const frontend = isRecord(spec.tls) && isRecord(spec.tls.frontend) ? spec.tls.frontend : undefined;
  const demands: { field: string; applies: (l: ListenerState) => boolean }[] = [];
  if (frontend && isRecord(frontend.default) && asksForValidation(frontend.default.validation)) {
    demands.push({ field: 'spec.tls.frontend.default.validation', applies: () => true });
  }
  if (frontend && Array.isArray(frontend.perPort)) {
    frontend.perPort.forEach((entry, i) => {
      if (isRecord(entry) && isRecord(entry.tls) && asksForValidation(entry.tls.validation)) {
        demands.push({ field: `spec.tls.frontend.perPort[${i}].tls.validation`, applies: (l) => l.port === entry.port });
      }
    });
  }
  const raw = Array.isArray(spec.listeners) ? spec.listeners : [];
  for (const listener of listeners) {
    if (listener.scheme !== 'https' || !listener.accepted.status) continue;
    const own = raw[listener.index];
    const ownTls = isRecord(own) && isRecord(own.tls) ? own.tls : undefined;
    const demand =
      ownTls && asksForValidation(ownTls.frontendValidation)
        ? { field: `spec.listeners[${listener.index}].tls.frontendValidation` }
        : demands.find((d) => d.applies(listener));
    if (!demand) continue;
    const message = `listener ${listener.name}: client certificate validation (${demand.field}) is not supported; the listener is not served rather than served without it`;
    ctx.diagnostics.error('FrontendValidationUnsupported', gatewayRef, message, demand.field);
    listener.programmed = { status: false, reason: Reason.Invalid, message };
  }
}

function asksForValidation(value: unknown): boolean {
  return isRecord(value) && Array.isArray(value.caCertificateRefs) && value.caCertificateRefs.length > 0;
}
