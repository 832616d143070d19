// Gateway listeners: validation, allowedRoutes, supported kinds, TLS certificates and
// conflicts, each outcome kept as the listener's conditions.
import type { CertificateInfo, ClientVerification, ResourceRef } from '@kupstream/core';
import { isRecord } from '@kupstream/core/building-blocks';
import type { Gateway } from '@kupstream/gateway-api-types';
import type { TranslationContext } from './context.js';
import { isValidHostname } from './hostnames.js';
import { compileLabelSelector } from './label-selector.js';
import { resolveListenerCertificates } from './listener-certificates.js';
import { readListenerTlsOptions } from './listener-tls-options.js';
import { GATEWAY_GROUP, Reason } from './reasons.js';
import type { ConditionSpec } from './status.js';

export type ListenerScheme = 'http' | 'https' | 'tls' | 'tcp';

/** What a TLS listener does with the client's TLS: terminate it here, or pass it to the backend by SNI. */
export type ListenerTlsMode = 'Terminate' | 'Passthrough';

export interface RouteGroupKind {
  group: string;
  kind: string;
}

export type NamespacePolicy =
  { from: 'Same' } | { from: 'All' } | { from: 'Selector'; matches: (labels: Record<string, string>) => boolean };

export interface ListenerState {
  index: number;
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  scheme: ListenerScheme;
  /** TLS listeners only. */
  tlsMode?: ListenerTlsMode;
  namespaces: NamespacePolicy;
  supportedKinds: RouteGroupKind[];
  certificates: CertificateInfo[];
  /** Client certificate validation of an HTTPS listener (`spec.tls.frontend`). */
  clientVerification?: ClientVerification;
  /** `tls.options["kupstream.dev/forward-client-certificate"]: "true"` (used with clientVerification). */
  forwardClientCertificate?: true;
  accepted: ConditionSpec;
  resolvedRefs: ConditionSpec;
  programmed: ConditionSpec;
  conflicted?: ConditionSpec;
  /** Routes attached through this listener (counted even when it is not programmed). */
  attachedRoutes: number;
}

/** Per listener protocol: the endpoint scheme, and the route kinds it carries (its default supportedKinds). */
const PROTOCOLS: Record<string, { scheme: ListenerScheme; kinds: readonly string[] }> = {
  HTTP: { scheme: 'http', kinds: ['HTTPRoute', 'GRPCRoute'] },
  HTTPS: { scheme: 'https', kinds: ['HTTPRoute', 'GRPCRoute'] },
  TLS: { scheme: 'tls', kinds: ['TLSRoute'] },
  TCP: { scheme: 'tcp', kinds: ['TCPRoute'] },
};

/** Whether routes of `kind` may attach to the listener (its supportedKinds). */
export function listenerSupportsKind(listener: ListenerState, kind: string): boolean {
  return listener.supportedKinds.some((k) => k.group === GATEWAY_GROUP && k.kind === kind);
}

/** Routes can attach: the listener is Accepted and allows at least one kind. */
export function listenerAcceptsRoutes(listener: ListenerState): boolean {
  return listener.accepted.status && listener.supportedKinds.length > 0;
}

/** Routes attached here are served: Accepted and Programmed. */
export function listenerServes(listener: ListenerState): boolean {
  return listener.accepted.status && listener.programmed.status;
}

export function buildListeners(ctx: TranslationContext, gateway: Gateway, gatewayRef: ResourceRef): ListenerState[] {
  const spec = isRecord(gateway.spec) ? gateway.spec : {};
  if (!Array.isArray(spec.listeners)) {
    ctx.diagnostics.error('GatewayNoListeners', gatewayRef, 'spec.listeners must list at least one listener', 'spec.listeners');
    return [];
  }
  const listeners = spec.listeners.map((value, index) => buildListener(ctx, value, index, gatewayRef));
  // Names select listeners (parentRef sectionName); a repeated one cannot be told apart.
  const seen = new Set<string>();
  for (const listener of listeners) {
    if (seen.has(listener.name) && listener.accepted.status) {
      const message = `listener name ${listener.name} is used by an earlier listener`;
      ctx.diagnostics.error('ListenerInvalid', gatewayRef, message, `spec.listeners[${listener.index}].name`);
      listener.accepted = bad(Reason.UnsupportedValue, message);
      listener.programmed = bad(Reason.Invalid, message);
    }
    seen.add(listener.name);
  }
  markConflicts(ctx, listeners, gatewayRef);
  return listeners;
}

function buildListener(ctx: TranslationContext, value: unknown, index: number, gatewayRef: ResourceRef): ListenerState {
  const field = `spec.listeners[${index}]`;
  const raw = isRecord(value) ? value : {};
  const problems: { reason: string; message: string; field: string }[] = [];
  const problem = (reason: string, message: string, at: string) => {
    problems.push({ reason, message, field: at });
    ctx.diagnostics.error('ListenerInvalid', gatewayRef, message, at);
  };

  let name = typeof raw.name === 'string' ? raw.name : '';
  if (name === '') {
    name = `listener-${index}`;
    problem(Reason.UnsupportedValue, `listener ${index} has no name`, `${field}.name`);
  }
  const protocol = typeof raw.protocol === 'string' ? raw.protocol : '';
  const carried = Object.hasOwn(PROTOCOLS, protocol) ? PROTOCOLS[protocol] : undefined;
  const scheme = carried?.scheme;
  const port = typeof raw.port === 'number' && Number.isInteger(raw.port) && raw.port >= 1 && raw.port <= 65535 ? raw.port : 0;
  let hostname: string | undefined;
  if (raw.hostname !== undefined && raw.hostname !== null) {
    if (typeof raw.hostname === 'string' && isValidHostname(raw.hostname)) hostname = raw.hostname;
    else
      problem(
        Reason.UnsupportedValue,
        `listener ${name}: hostname ${JSON.stringify(raw.hostname)} is not a valid DNS name (optionally with a leading "*.")`,
        `${field}.hostname`,
      );
  }

  const state: ListenerState = {
    index,
    name,
    port,
    protocol,
    scheme: scheme ?? 'http',
    ...(hostname !== undefined ? { hostname } : {}),
    namespaces: { from: 'Same' },
    supportedKinds: [],
    certificates: [],
    accepted: ok(Reason.Accepted),
    resolvedRefs: ok(Reason.ResolvedRefs),
    programmed: ok(Reason.Programmed),
    attachedRoutes: 0,
  };

  if (!scheme) {
    const message = `listener ${name}: protocol ${JSON.stringify(raw.protocol ?? null)} is not supported (${Object.keys(PROTOCOLS).join(', ')} are)`;
    ctx.diagnostics.error('ListenerUnsupportedProtocol', gatewayRef, message, `${field}.protocol`);
    state.accepted = bad(Reason.UnsupportedProtocol, message);
    state.programmed = bad(Reason.Invalid, message);
    return state;
  }
  if (port === 0) problem(Reason.UnsupportedValue, `listener ${name}: port must be an integer from 1 to 65535`, `${field}.port`);

  const allowed = isRecord(raw.allowedRoutes) ? raw.allowedRoutes : {};
  const kindsOutcome = readAllowedKinds(allowed.kinds, carried!.kinds);
  state.supportedKinds = kindsOutcome.supported;
  if (kindsOutcome.invalid.length > 0) {
    const message = `listener ${name}: route kinds ${kindsOutcome.invalid.join(', ')} are not supported on ${protocol} listeners (${carried!.kinds.join(', ')} are)`;
    ctx.diagnostics.error('ListenerInvalidRouteKinds', gatewayRef, message, `${field}.allowedRoutes.kinds`);
    state.resolvedRefs = bad(Reason.InvalidRouteKinds, message);
  }
  const namespaces = readNamespacePolicy(allowed.namespaces);
  if (namespaces.ok) state.namespaces = namespaces.policy;
  else {
    const message = `listener ${name}: allowedRoutes.namespaces ${namespaces.message}; no route namespace is allowed`;
    ctx.diagnostics.error('ListenerInvalidAllowedNamespaces', gatewayRef, message, `${field}.allowedRoutes.namespaces`);
    state.namespaces = { from: 'Selector', matches: () => false };
    state.programmed = bad(Reason.Invalid, message);
  }

  const tls = isRecord(raw.tls) ? raw.tls : undefined;
  if (scheme === 'https' || scheme === 'tls') {
    const mode = tls?.mode ?? 'Terminate';
    if (scheme === 'tls' && (mode === 'Terminate' || mode === 'Passthrough')) state.tlsMode = mode;
    if (mode !== 'Terminate' && !(scheme === 'tls' && mode === 'Passthrough')) {
      problem(
        Reason.UnsupportedValue,
        `listener ${name}: tls.mode ${JSON.stringify(mode)} is not supported on ${protocol} listeners (${scheme === 'tls' ? 'Terminate and Passthrough are' : 'only Terminate'})`,
        `${field}.tls.mode`,
      );
    } else if (mode === 'Passthrough') {
      // The client's TLS goes to the backend untouched: the listener holds no certificate.
      if (Array.isArray(tls?.certificateRefs) && tls.certificateRefs.length > 0)
        ctx.diagnostics.warning(
          'ListenerCertificatesIgnored',
          gatewayRef,
          `listener ${name}: tls.certificateRefs are ignored in Passthrough mode (the backend presents its own certificate)`,
          `${field}.tls.certificateRefs`,
        );
    } else {
      const options = readListenerTlsOptions(tls?.options);
      for (const { key, message } of options.problems)
        ctx.diagnostics.warning('ListenerOptionIgnored', gatewayRef, `listener ${name}: ${message}`, `${field}.tls.options["${key}"]`);
      if (options.forwardClientCertificate) state.forwardClientCertificate = true;
      const resolved = resolveListenerCertificates(ctx, tls?.certificateRefs, gatewayRef, `${field}.tls.certificateRefs`, hostname);
      state.certificates = resolved.certificates;
      if (resolved.problem) {
        if (state.resolvedRefs.status) state.resolvedRefs = bad(resolved.problem.reason, resolved.problem.message);
        if (resolved.certificates.length === 0) state.programmed = bad(Reason.Invalid, resolved.problem.message);
      }
    }
  } else if (tls !== undefined) {
    ctx.diagnostics.warning(
      'ListenerTlsIgnored',
      gatewayRef,
      `listener ${name}: tls is ignored on an ${protocol} listener`,
      `${field}.tls`,
    );
  }

  const first = problems[0];
  if (first) {
    state.accepted = bad(first.reason, first.message);
    state.programmed = bad(Reason.Invalid, first.message);
  } else if (state.supportedKinds.length === 0 && state.programmed.status) {
    state.programmed = bad(Reason.Invalid, `listener ${name} supports no route kind`);
  }
  return state;
}

/** allowedRoutes.kinds against the kinds the protocol carries: unset means all of them. */
function readAllowedKinds(value: unknown, carried: readonly string[]): { supported: RouteGroupKind[]; invalid: string[] } {
  if (value === undefined || value === null) return { supported: carried.map((kind) => ({ group: GATEWAY_GROUP, kind })), invalid: [] };
  if (!Array.isArray(value)) return { supported: [], invalid: ['(not a list)'] };
  const supported: RouteGroupKind[] = [];
  const invalid: string[] = [];
  for (const entry of value) {
    const group = isRecord(entry) && typeof entry.group === 'string' ? entry.group : GATEWAY_GROUP;
    const kind = isRecord(entry) && typeof entry.kind === 'string' ? entry.kind : '';
    if (group === GATEWAY_GROUP && carried.includes(kind)) {
      if (!supported.some((k) => k.kind === kind)) supported.push({ group, kind });
    } else invalid.push(group === GATEWAY_GROUP ? kind || '(empty)' : `${kind}.${group}`);
  }
  return { supported, invalid };
}

function readNamespacePolicy(value: unknown): { ok: true; policy: NamespacePolicy } | { ok: false; message: string } {
  if (value === undefined || value === null) return { ok: true, policy: { from: 'Same' } };
  if (!isRecord(value)) return { ok: false, message: 'must be an object' };
  const from = value.from ?? 'Same';
  if (from === 'Same' || from === 'All') return { ok: true, policy: { from } };
  if (from !== 'Selector') return { ok: false, message: `from ${JSON.stringify(from)} is not Same, All or Selector` };
  if (value.selector === undefined) return { ok: false, message: 'from Selector needs a selector' };
  const compiled = compileLabelSelector(value.selector);
  if (!compiled.ok) return { ok: false, message: `selector is invalid: ${compiled.message}` };
  return { ok: true, policy: { from: 'Selector', matches: compiled.matches } };
}

/**
 * Listeners on one port must agree on the protocol (else ProtocolConflict) and have
 * distinct hostnames (else HostnameConflict); conflicted listeners are not programmed.
 */
function markConflicts(ctx: TranslationContext, listeners: ListenerState[], gatewayRef: ResourceRef): void {
  const byPort = new Map<number, ListenerState[]>();
  for (const listener of listeners) {
    if (!listener.accepted.status) continue;
    let group = byPort.get(listener.port);
    if (!group) byPort.set(listener.port, (group = []));
    group.push(listener);
  }
  for (const [port, group] of byPort) {
    const protocols = new Set(group.map((l) => l.protocol));
    if (protocols.size > 1) {
      for (const listener of group)
        conflict(
          ctx,
          listener,
          gatewayRef,
          Reason.ProtocolConflict,
          `listeners on port ${port} use different protocols (${[...protocols].sort().join(', ')})`,
        );
      continue;
    }
    const byHostname = new Map<string, ListenerState[]>();
    for (const listener of group) {
      const key = listener.hostname ?? '';
      byHostname.set(key, [...(byHostname.get(key) ?? []), listener]);
    }
    for (const [hostname, same] of byHostname) {
      if (same.length < 2) continue;
      for (const listener of same) {
        conflict(
          ctx,
          listener,
          gatewayRef,
          Reason.HostnameConflict,
          `listeners ${same.map((l) => l.name).join(', ')} share port ${port} and ${hostname ? `hostname ${hostname}` : 'an empty hostname'}`,
        );
      }
    }
  }
}

function conflict(ctx: TranslationContext, listener: ListenerState, gatewayRef: ResourceRef, reason: string, message: string): void {
  ctx.diagnostics.error('ListenerConflicted', gatewayRef, message, `spec.listeners[${listener.index}]`);
  listener.conflicted = { status: true, reason, message };
  listener.programmed = bad(Reason.Invalid, message);
}

function ok(reason: string): ConditionSpec {
  return { status: true, reason, message: '' };
}

function bad(reason: string, message: string): ConditionSpec {
  return { status: false, reason, message };
}
