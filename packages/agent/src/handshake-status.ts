// Publishing handshake verdicts where users look: a `kupstream.dev/UpstreamHandshake`
// condition on each route's parent entry (HTTPRoute and the other route kinds), on each
// BackendTLSPolicy ancestor whose policy verifies a probed upstream, and on AgentEndpoints.
// True only when every probed TLS upstream behind it completed a handshake; False carries
// the typed code (`client_certificate_rejected`, `certificate_untrusted`, ...) as reason.
import type { Condition, ResourceStatus, TranslationModel, Upstream } from '@kupstream/core';
import { compareStrings, isRecord } from '@kupstream/core/building-blocks';
import type { HandshakeVerdict } from './handshake-probe.js';

export const HANDSHAKE_CONDITION = 'kupstream.dev/UpstreamHandshake';
export const HANDSHAKE_OK_REASON = 'HandshakeSucceeded';

interface Target {
  /** `kind|namespace|name` of the object whose status gets the condition. */
  object: string;
  /** Which entry: a parent/ancestor Gateway `namespace/name`, or '' for top-level conditions. */
  entry: string;
}

/**
 * The model's statuses with the handshake condition added (replaced) wherever a probed
 * upstream is reached; other statuses are returned as they are. Pure: time from `now`.
 */
export function withHandshakeConditions(
  model: TranslationModel,
  verdicts: ReadonlyMap<string, HandshakeVerdict>,
  now: Date,
): ResourceStatus[] {
  const upstreams = new Map(model.upstreams.map((u) => [u.name, u]));
  const byTarget = new Map<string, { target: Target; verdicts: Map<string, HandshakeVerdict> }>();
  const note = (target: Target, verdict: HandshakeVerdict) => {
    const key = `${target.object}#${target.entry}`;
    let slot = byTarget.get(key);
    if (!slot) byTarget.set(key, (slot = { target, verdicts: new Map() }));
    slot.verdicts.set(verdict.upstream, verdict);
  };
  for (const endpoint of model.endpoints) {
    const gateway = endpoint.sources.find((s) => s.kind === 'Gateway');
    const gatewayKey = gateway ? `${gateway.namespace ?? ''}/${gateway.name}` : '';
    for (const route of endpoint.routes) {
      for (const backend of route.backends) {
        const verdict = verdicts.get(backend.upstream);
        if (!verdict) continue;
        const owner = routeOwner(route.name, endpoint.sources);
        if (owner) note({ object: owner, entry: owner.startsWith('AgentEndpoint|') ? '' : gatewayKey }, verdict);
        const policy = policyOf(upstreams.get(backend.upstream));
        if (policy && gatewayKey) note({ object: policy, entry: gatewayKey }, verdict);
      }
    }
  }
  return model.statuses.map((status) => {
    const object = `${status.kind}|${status.namespace ?? ''}|${status.name}`;
    const slots = [...byTarget.values()].filter((slot) => slot.target.object === object);
    if (slots.length === 0) return status;
    const body = structuredClone(status.status);
    for (const slot of slots) {
      const conditions = conditionsAt(body, status, slot.target.entry);
      if (!conditions) continue;
      const condition = handshakeCondition(slot.verdicts, now, conditions);
      const at = conditions.findIndex((c) => isRecord(c) && c.type === HANDSHAKE_CONDITION);
      if (at >= 0) conditions[at] = condition;
      else conditions.push(condition);
    }
    return { ...status, status: body };
  });
}

/** `Kind|namespace|name` of the route (or AgentEndpoint) a model route came from. */
function routeOwner(routeName: string, sources: TranslationModel['endpoints'][number]['sources']): string | undefined {
  const [kind, namespace, name] = routeName.split('/');
  const source = sources.find(
    (s) => s.kind !== 'Gateway' && s.kind.toLowerCase() === kind && (s.namespace ?? '') === (namespace ?? '') && s.name === name,
  );
  if (source) return `${source.kind}|${source.namespace ?? ''}|${source.name}`;
  const agent = sources.find((s) => s.kind === 'AgentEndpoint');
  return agent ? `AgentEndpoint|${agent.namespace ?? ''}|${agent.name}` : undefined;
}

function policyOf(upstream: Upstream | undefined): string | undefined {
  const source = upstream?.tls?.verification.mode !== 'none' ? upstream?.tls?.verification.source : undefined;
  return source?.kind === 'BackendTLSPolicy' ? `BackendTLSPolicy|${source.namespace ?? ''}|${source.name}` : undefined;
}

/** The conditions list to edit: a parent's or ancestor's for a Gateway, else the top-level one. */
function conditionsAt(body: Record<string, unknown>, status: ResourceStatus, gateway: string): unknown[] | undefined {
  if (gateway === '') {
    if (!Array.isArray(body.conditions)) body.conditions = [];
    return body.conditions as unknown[];
  }
  const [namespace, name] = gateway.split('/');
  for (const [list, refKey] of [
    ['parents', 'parentRef'],
    ['ancestors', 'ancestorRef'],
  ] as const) {
    const entries = body[list];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      if (!isRecord(entry) || !isRecord(entry[refKey])) continue;
      const ref = entry[refKey] as Record<string, unknown>;
      if (ref.name === name && (ref.namespace ?? status.namespace ?? '') === namespace && (ref.kind ?? 'Gateway') === 'Gateway') {
        if (!Array.isArray(entry.conditions)) entry.conditions = [];
        return entry.conditions as unknown[];
      }
    }
  }
  return undefined;
}

function handshakeCondition(verdicts: Map<string, HandshakeVerdict>, now: Date, siblings: unknown[]): Condition {
  const failed = [...verdicts.values()].filter((v) => !v.ok).sort((a, b) => compareStrings(a.upstream, b.upstream));
  const generation = siblings.map((c) => (isRecord(c) ? c.observedGeneration : undefined)).find((g) => typeof g === 'number');
  const previous = siblings.find((c) => isRecord(c) && c.type === HANDSHAKE_CONDITION) as Condition | undefined;
  const status = failed.length === 0 ? 'True' : 'False';
  return {
    type: HANDSHAKE_CONDITION,
    status,
    reason: failed[0]?.code ?? HANDSHAKE_OK_REASON,
    message:
      failed.length === 0
        ? `TLS handshake with ${[...verdicts.keys()].sort(compareStrings).join(', ')} succeeded`
        : failed.map((v) => `${v.upstream}: ${v.code ?? 'failed'}`).join('; '),
    ...(typeof generation === 'number' ? { observedGeneration: generation } : {}),
    lastTransitionTime: previous && previous.status === status ? previous.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}
