// Combining the results of several translators (Gateway API, Ingress, AgentEndpoint) into
// one model. Order independent: any order of arguments gives byte-identical JSON.
import { createHash } from 'node:crypto';
import { makeCondition } from './conditions.js';
import { CredentialStore } from './credential-store.js';
import type { Condition, Diagnostic, Endpoint, ResourceRef, ResourceStatus, TranslationModel, Upstream } from './model.js';
import { compareStrings, isRecord, refKey } from './resource-ref.js';
import { createTranslationResult, type TranslationResult } from './result.js';
import { toStableJson } from './stable-json.js';

export const CONFLICT_REASON = 'HostnameConflict';

/**
 * Concatenates results; upstreams with identical definitions are shared (one name,
 * the smallest), different upstreams that happen to share a name are told apart by a
 * digest suffix; when two endpoints claim the same URL the oldest source (then
 * namespace/name) keeps it, the other is dropped and its sources get a Conflicted
 * condition and a diagnostic. Credential stores are merged.
 *
 * The conditions it sets carry the translations' time: the latest `translatedAt` of the
 * results (every translator sets it to its `now`). Results built by hand without one count
 * as translated at the Unix epoch. The merged result carries that time too.
 */
export function mergeResults(...results: TranslationResult[]): TranslationResult {
  const inputs = results
    .filter((r): r is TranslationResult => isRecord(r))
    .map((result) => ({ result, model: modelOf(result) }))
    .map((entry) => ({ ...entry, text: toStableJson(entry.model) }))
    .sort((a, b) => compareStrings(a.text, b.text));

  const credentials = new CredentialStore();
  for (const { result } of inputs) if (result.credentials instanceof CredentialStore) credentials.absorb(result.credentials);

  const renames = shareUpstreams(inputs.map((i) => i.model.upstreams));
  const upstreamsByName = new Map<string, Upstream>();
  const endpoints: Endpoint[] = [];
  inputs.forEach(({ model }, i) => {
    const rename = renames[i]!;
    for (const upstream of model.upstreams) {
      const name = rename.get(upstream.name) ?? upstream.name;
      if (!upstreamsByName.has(name)) upstreamsByName.set(name, { ...upstream, name });
    }
    for (const endpoint of model.endpoints) endpoints.push(renameBackends(endpoint, rename));
  });

  const unique = dedupeByJson(endpoints);
  const referencedBefore = referencedUpstreams(unique);
  const { kept, conflicts } = resolveUrlConflicts(unique);
  const referencedAfter = referencedUpstreams(kept);
  const upstreams = [...upstreamsByName.values()].filter((u) => !referencedBefore.has(u.name) || referencedAfter.has(u.name));

  const statuses = dedupeByJson(inputs.flatMap((i) => i.model.statuses));
  const diagnostics: Diagnostic[] = inputs.flatMap((i) => i.model.diagnostics);
  const time = translationTime(inputs.map((i) => i.result));
  const statusAt = new Map<string, number>();
  statuses.forEach((s, i) => {
    const key = objectKey(s.kind, s.namespace, s.name);
    if (!statusAt.has(key)) statusAt.set(key, i);
  });
  for (const conflict of conflicts) {
    for (const source of conflict.loser.sources) {
      if (conflict.winner.sources.some((s) => refKey(s) === refKey(source))) continue;
      diagnostics.push(conflictDiagnostic(conflict, source));
      const at = statusAt.get(objectKey(source.kind, source.namespace, source.name));
      if (at !== undefined) statuses[at] = markConflicted(statuses[at]!, source.section, conflictMessage(conflict), time);
    }
  }
  return createTranslationResult({ endpoints: kept, upstreams, statuses, diagnostics }, credentials, time);
}

function objectKey(kind: unknown, namespace: unknown, name: unknown): string {
  return JSON.stringify([kind, namespace ?? '', name]);
}

function modelOf(result: Partial<TranslationModel>): TranslationModel {
  const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value.filter(isRecord) as T[]) : []);
  return {
    endpoints: list(result.endpoints),
    upstreams: list(result.upstreams),
    statuses: list(result.statuses),
    diagnostics: list(result.diagnostics),
  };
}

/** For each input, old upstream name -> merged name. */
function shareUpstreams(lists: Upstream[][]): Map<string, string>[] {
  const definitionsByName = new Map<string, Set<string>>();
  const definitionOf = new Map<Upstream, string>();
  for (const list of lists) {
    for (const upstream of list) {
      const definition = canonicalJson({ ...upstream, name: undefined });
      definitionOf.set(upstream, definition);
      let set = definitionsByName.get(upstream.name);
      if (!set) definitionsByName.set(upstream.name, (set = new Set()));
      set.add(definition);
    }
  }
  const distinctName = (name: string, definition: string) =>
    (definitionsByName.get(name)?.size ?? 0) > 1 ? `${name}#${createHash('sha256').update(definition).digest('hex').slice(0, 8)}` : name;
  const nameOfDefinition = new Map<string, string>();
  for (const list of lists) {
    for (const upstream of list) {
      const definition = definitionOf.get(upstream)!;
      const candidate = distinctName(upstream.name, definition);
      const current = nameOfDefinition.get(definition);
      if (current === undefined || compareStrings(candidate, current) < 0) nameOfDefinition.set(definition, candidate);
    }
  }
  return lists.map((list) => new Map(list.map((u) => [u.name, nameOfDefinition.get(definitionOf.get(u)!)!])));
}

function renameBackends(endpoint: Endpoint, rename: Map<string, string>): Endpoint {
  if (!Array.isArray(endpoint.routes)) return endpoint;
  return {
    ...endpoint,
    routes: endpoint.routes.map((route) =>
      isRecord(route) && Array.isArray(route.backends)
        ? {
            ...route,
            backends: route.backends.map((b) =>
              isRecord(b) && typeof b.upstream === 'string' ? { ...b, upstream: rename.get(b.upstream) ?? b.upstream } : b,
            ),
          }
        : route,
    ),
  };
}

function referencedUpstreams(endpoints: Endpoint[]): Set<string> {
  const names = new Set<string>();
  for (const endpoint of endpoints) {
    for (const route of Array.isArray(endpoint.routes) ? endpoint.routes : []) {
      for (const backend of isRecord(route) && Array.isArray(route.backends) ? route.backends : []) {
        if (isRecord(backend) && typeof backend.upstream === 'string') names.add(backend.upstream);
      }
    }
  }
  return names;
}

interface Conflict {
  url: string;
  winner: Endpoint;
  loser: Endpoint;
  /** True when creation time decided, false when namespace/name did. */
  byAge: boolean;
}

/** `scheme://host[:port]` with default ports dropped; undefined for addresses ngrok assigns. */
export function endpointUrlKey(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:?#]*)(?::(\d+))?/.exec(url);
  if (!match || match[2] === '') return undefined;
  const scheme = match[1]!.toLowerCase();
  const host = match[2]!.toLowerCase().replace(/\.$/, '');
  const port = match[3];
  const defaultPort = scheme === 'http' ? '80' : scheme === 'https' || scheme === 'tls' ? '443' : undefined;
  return `${scheme}://${host}${port !== undefined && port !== defaultPort ? `:${Number(port)}` : ''}`;
}

function resolveUrlConflicts(endpoints: Endpoint[]): { kept: Endpoint[]; conflicts: Conflict[] } {
  const groups = new Map<string, Endpoint[]>();
  const kept: Endpoint[] = [];
  for (const endpoint of endpoints) {
    const key = endpointUrlKey(endpoint.url);
    if (key === undefined) {
      kept.push(endpoint);
      continue;
    }
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(endpoint);
  }
  const conflicts: Conflict[] = [];
  for (const [url, group] of groups) {
    group.sort(compareClaims);
    const winner = group[0]!;
    kept.push(winner);
    for (const loser of group.slice(1)) conflicts.push({ url, winner, loser, byAge: ageOf(winner) !== ageOf(loser) });
  }
  return { kept, conflicts };
}

function ageOf(endpoint: Endpoint): number {
  const time = typeof endpoint.createdAt === 'string' ? Date.parse(endpoint.createdAt) : Number.NaN;
  return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time;
}

function primarySource(endpoint: Endpoint): ResourceRef {
  const first: unknown = Array.isArray(endpoint.sources) ? endpoint.sources[0] : undefined;
  return isRecord(first) ? (first as unknown as ResourceRef) : { kind: '', name: '' };
}

/** Oldest first (no creation time = newest), then the primary source's namespace/name, kind, endpoint name, content. */
function compareClaims(a: Endpoint, b: Endpoint): number {
  const ageA = ageOf(a);
  const ageB = ageOf(b);
  if (ageA !== ageB) return ageA < ageB ? -1 : 1;
  const sa = primarySource(a);
  const sb = primarySource(b);
  return (
    compareStrings(String(sa.namespace ?? ''), String(sb.namespace ?? '')) ||
    compareStrings(String(sa.name), String(sb.name)) ||
    compareStrings(String(sa.kind), String(sb.kind)) ||
    compareStrings(String(a.name), String(b.name)) ||
    compareStrings(canonicalJson(a), canonicalJson(b))
  );
}

const CONFLICT_FIELDS: Record<string, string> = {
  AgentEndpoint: 'spec.url',
  Ingress: 'spec.rules',
  HTTPRoute: 'spec.hostnames',
  Gateway: 'spec.listeners',
};

function describeRef(ref: ResourceRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}${ref.section ? ` (${ref.section})` : ''}`;
}

function conflictMessage(conflict: Conflict): string {
  const why = conflict.byAge ? 'is older' : 'comes first by namespace/name';
  return `endpoint ${conflict.url} is also claimed by ${describeRef(primarySource(conflict.winner))}, which ${why}; this claim is not served`;
}

function conflictDiagnostic(conflict: Conflict, source: ResourceRef): Diagnostic {
  const field = CONFLICT_FIELDS[source.kind];
  return {
    severity: 'warning',
    code: 'EndpointConflict',
    message: conflictMessage(conflict),
    resource: source,
    ...(field ? { field } : {}),
  };
}

/** Conflicted=True on the listener's conditions (Gateway) or the object's; Ready / EndpointCreated turn False. */
function markConflicted(status: ResourceStatus, section: string | undefined, message: string, time: Date): ResourceStatus {
  const body = jsonClone(status.status);
  if (!isRecord(body)) return status;
  const generation = typeof body.observedGeneration === 'number' ? body.observedGeneration : undefined;
  const upsert = (conditions: unknown[]) => {
    const sibling = conditions.find((c): c is Condition => isRecord(c) && typeof c.observedGeneration === 'number');
    const observed = sibling?.observedGeneration ?? generation;
    const conflicted = makeCondition('Conflicted', true, CONFLICT_REASON, message, observed, time);
    const at = conditions.findIndex((c) => isRecord(c) && c.type === 'Conflicted');
    if (at === -1) conditions.push(conflicted);
    else conditions[at] = conflicted;
    // The endpoint is not in the model: an AgentEndpoint's Ready and EndpointCreated say so.
    for (const type of ['Ready', 'EndpointCreated']) {
      const at = conditions.findIndex((c) => isRecord(c) && c.type === type);
      if (at !== -1) conditions[at] = makeCondition(type, false, CONFLICT_REASON, message, observed, time);
    }
  };
  const listener =
    section !== undefined && Array.isArray(body.listeners) ? body.listeners.find((l) => isRecord(l) && l.name === section) : undefined;
  // Conflicted is a listener condition where there are listeners (Gateway API), else the object's own.
  if (isRecord(listener) && Array.isArray(listener.conditions)) upsert(listener.conditions);
  else if (Array.isArray(body.conditions)) upsert(body.conditions);
  return { ...status, status: body };
}

/** The latest time the results were translated at (the epoch when none says). */
function translationTime(results: readonly TranslationResult[]): Date {
  let latest = 0;
  for (const result of results) {
    const at = result.translatedAt;
    if (at instanceof Date && at.getTime() > latest) latest = at.getTime();
  }
  return new Date(latest);
}

function dedupeByJson<T>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const text = canonicalJson(item);
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}

/** JSON with object keys sorted at every level: equal data, equal text. */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      isRecord(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort(compareStrings)
              .map((k) => [k, v[k]]),
          )
        : v,
    ) ?? ''
  );
}

function jsonClone(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}
