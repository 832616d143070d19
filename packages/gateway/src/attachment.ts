// Route parentRefs -> Gateway listeners: sectionName and port, allowedRoutes
// (namespaces and kinds), hostname intersection and listener isolation.
import { isRecord } from '@kupstream/core/building-blocks';
import type { TranslationContext } from './context.js';
import { hostnameCovers, hostnameSpecificity, intersectHostnames } from './hostnames.js';
import { listenerAcceptsRoutes, listenerServes, listenerSupportsKind, type ListenerState } from './listeners.js';
import { GATEWAY_GROUP, Reason } from './reasons.js';
import type { ConditionSpec } from './status.js';

export interface NormalizedParentRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface ListenerAttachment {
  listener: ListenerState;
  /** Hostnames served through this listener, after intersection and isolation. */
  hostnames: string[];
}

export interface ParentAttachment {
  accepted: ConditionSpec;
  listeners: ListenerAttachment[];
}

export function readParentRef(value: unknown, routeNamespace: string): NormalizedParentRef | undefined {
  if (!isRecord(value) || typeof value.name !== 'string' || value.name === '') return undefined;
  return {
    group: typeof value.group === 'string' ? value.group : GATEWAY_GROUP,
    kind: typeof value.kind === 'string' ? value.kind : 'Gateway',
    namespace: typeof value.namespace === 'string' && value.namespace !== '' ? value.namespace : routeNamespace,
    name: value.name,
    ...(typeof value.sectionName === 'string' && value.sectionName !== '' ? { sectionName: value.sectionName } : {}),
    ...(typeof value.port === 'number' ? { port: value.port } : {}),
  };
}

export function parentRefKey(ref: NormalizedParentRef): string {
  return `${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}/${ref.sectionName ?? ''}/${ref.port ?? ''}`;
}

export function sameParent(a: NormalizedParentRef | undefined, b: NormalizedParentRef): boolean {
  return a !== undefined && parentRefKey(a) === parentRefKey(b);
}

/**
 * Attaches one route (kind, namespace, valid hostnames) to the listeners a parentRef selects.
 * `routeHostnames` undefined: the kind has no hostnames (TCPRoute) and is served on the whole port.
 */
export function attachToGateway(
  ctx: TranslationContext,
  parent: NormalizedParentRef,
  gatewayNamespace: string,
  listeners: readonly ListenerState[],
  routeNamespace: string,
  routeHostnames: readonly string[] | undefined,
  routeKind = 'HTTPRoute',
): ParentAttachment {
  const selected = listeners.filter(
    (l) => (parent.sectionName === undefined || l.name === parent.sectionName) && (parent.port === undefined || l.port === parent.port),
  );
  if (selected.length === 0) {
    const which = [
      parent.sectionName !== undefined ? `named ${parent.sectionName}` : '',
      parent.port !== undefined ? `on port ${parent.port}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return refused(Reason.NoMatchingParent, `Gateway ${parent.namespace}/${parent.name} has no listener ${which || 'at all'}`);
  }
  let labels: Record<string, string> | undefined;
  const allowed = selected.filter((l) => {
    if (!listenerAcceptsRoutes(l) || !listenerSupportsKind(l, routeKind)) return false;
    if (l.namespaces.from === 'All') return true;
    if (l.namespaces.from === 'Same') return routeNamespace === gatewayNamespace;
    return l.namespaces.matches((labels ??= ctx.namespaceLabels(routeNamespace)));
  });
  if (allowed.length === 0) {
    return refused(
      Reason.NotAllowedByListeners,
      `no listener of Gateway ${parent.namespace}/${parent.name} allows ${routeKind}s from namespace ${routeNamespace}`,
    );
  }
  const attached: ListenerAttachment[] = [];
  for (const listener of allowed) {
    if (routeHostnames === undefined) {
      attached.push({ listener, hostnames: ['*'] });
      continue;
    }
    const hostnames = intersectHostnames(listener.hostname, routeHostnames);
    if (hostnames.length > 0) attached.push({ listener, hostnames: isolate(listener, hostnames, listeners) });
  }
  if (attached.length === 0) {
    return refused(
      Reason.NoMatchingListenerHostname,
      `no hostname of the route intersects a listener hostname of Gateway ${parent.namespace}/${parent.name}`,
    );
  }
  return { accepted: { status: true, reason: Reason.Accepted, message: '' }, listeners: attached };
}

/**
 * Listener isolation: a hostname that a more specific listener on the same port covers
 * belongs to that listener, not to this one.
 */
function isolate(listener: ListenerState, hostnames: string[], all: readonly ListenerState[]): string[] {
  const mine = hostnameSpecificity(listener.hostname);
  const rivals = all.filter(
    (l) =>
      l !== listener && l.port === listener.port && listenerServes(l) && l.hostname !== undefined && hostnameSpecificity(l.hostname) > mine,
  );
  return hostnames.filter((host) => !rivals.some((l) => hostnameCovers(l.hostname!, host)));
}

function refused(reason: string, message: string): ParentAttachment {
  return { accepted: { status: false, reason, message }, listeners: [] };
}
