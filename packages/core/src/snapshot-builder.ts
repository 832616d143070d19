// Parsed documents → ClusterSnapshot, the way `kubectl apply -f` would see them:
// `List` kinds flattened, namespaces defaulted, every document that is not used reported
// as a diagnostic naming its file, document and line (never silently dropped). Pure: the
// host reads and parses the files (the CLI with its YAML parser) and hands the documents over.
import { isDeepStrictEqual } from 'node:util';
import type { Diagnostic, ResourceRef } from './model.js';
import { isRecord } from './resource-ref.js';
import { resourceForKind, type SnapshotKey } from './resources.js';
import { snapshotKeyFor, type ClusterSnapshot } from './snapshot.js';

/** A path inside a document: `[]` for the document itself, `['items', 2]` for a List item. */
export type NodePath = readonly (string | number)[];

/** One parsed document of a manifest source, as a host's parser gives it. */
export interface ManifestDocument {
  /** The file path as given (or `<stdin>`). */
  source: string;
  /** 1-based position of the document in its source. */
  index: number;
  /** 1-based line where the document's content starts. */
  line: number;
  value: unknown;
  /** 1-based line of a node inside the document, e.g. `['items', 2]`; undefined where unknown. */
  lineOf(path: NodePath): number | undefined;
}

/** List items one document may hold, nested Lists counted (each is an object to check and report). */
export const DEFAULT_LIST_ITEMS_PER_DOCUMENT = 100_000;

export interface BuildSnapshotOptions {
  /** Default DEFAULT_LIST_ITEMS_PER_DOCUMENT: the List that passes it is refused whole. */
  listItemsPerDocument?: number;
}

/** Objects that have no namespace (they keep none, like kubectl does). */
const clusterScoped = (kind: string) => resourceForKind(kind)?.scope === 'Cluster';

export const LoaderCode = {
  /** A document that is not a Kubernetes object (a scalar, a list, no apiVersion/kind). */
  invalidManifest: 'InvalidManifest',
  /** A kind kupstream does not read (Deployment, ConfigMap of another group...). */
  ignoredKind: 'IgnoredKind',
  /** A kind kupstream reads, under an API group it does not read it from. */
  unsupportedApiVersion: 'UnsupportedApiVersion',
  /** The same object twice: the later one is used, as `kubectl apply` would leave it (info when identical). */
  duplicateObject: 'DuplicateObject',
} as const;

export interface BuiltSnapshot {
  snapshot: ClusterSnapshot;
  diagnostics: Diagnostic[];
  /** Objects placed in the snapshot. */
  objectCount: number;
}

interface Located {
  value: unknown;
  document: ManifestDocument;
  /** Path inside the document, `[]` for the document itself, `['items', 2]` for a List item. */
  path: NodePath;
}

interface Placed {
  key: SnapshotKey;
  object: Record<string, unknown>;
  where: string;
}

export function buildSnapshot(
  documents: readonly ManifestDocument[],
  namespace: string,
  options: BuildSnapshotOptions = {},
): BuiltSnapshot {
  const maxListItems = options.listItemsPerDocument ?? DEFAULT_LIST_ITEMS_PER_DOCUMENT;
  const diagnostics: Diagnostic[] = [];
  const placed = new Map<string, Placed>();
  // A stack (last first), so a List's items are taken in order, right where the List was,
  // in linear time: no unshift and no argument spread over a List's items.
  const pending: Located[] = [];
  // List items taken from each document so far, against maxListItems.
  const listed = new Map<ManifestDocument, number>();
  for (let i = documents.length - 1; i >= 0; i--) pending.push({ value: documents[i]!.value, document: documents[i]!, path: [] });
  for (let next = pending.pop(); next; next = pending.pop()) {
    const items = classify(next, namespace, diagnostics, placed.size, { listed, max: maxListItems });
    if (items.kind === 'list') for (let i = items.items.length - 1; i >= 0; i--) pending.push(items.items[i]!);
    if (items.kind !== 'object') continue;
    const previous = placed.get(items.identity);
    if (previous) {
      // The same manifest in two places is harmless (info); two different ones are a likely mistake.
      const identical = isDeepStrictEqual(previous.object, items.object);
      diagnostics.push({
        severity: identical ? 'info' : 'warning',
        code: LoaderCode.duplicateObject,
        resource: refFor(items.object, namespace),
        message: identical
          ? `${items.where} repeats ${previous.where} identically`
          : `${items.where} repeats ${previous.where} with other content; the later one is used, as kubectl apply would leave it`,
      });
    }
    placed.set(items.identity, { key: items.key, object: items.object, where: items.where });
  }
  const snapshot: Partial<Record<SnapshotKey, Record<string, unknown>[]>> = {};
  for (const { key, object } of placed.values()) (snapshot[key] ??= []).push(object);
  return { snapshot: snapshot as ClusterSnapshot, diagnostics, objectCount: placed.size };
}

type Classified =
  | { kind: 'skip' }
  | { kind: 'list'; items: Located[] }
  | { kind: 'object'; key: SnapshotKey; object: Record<string, unknown>; identity: string; where: string };

function classify(
  located: Located,
  namespace: string,
  diagnostics: Diagnostic[],
  ordinal: number,
  lists: { listed: Map<ManifestDocument, number>; max: number },
): Classified {
  const { value, document, path } = located;
  const where = describeLocation(located);
  // An empty document (a stray `---`, only comments) holds no object: nothing to report.
  if (value === null || value === undefined) return { kind: 'skip' };
  const invalid = (message: string, object?: Record<string, unknown>, field?: string): Classified => {
    diagnostics.push({
      severity: 'error',
      code: LoaderCode.invalidManifest,
      resource: object ? refFor(object, namespace) : { kind: '', name: '' },
      message: `${where}: ${message}`,
      ...(field ? { field } : {}),
    });
    return { kind: 'skip' };
  };
  if (!isRecord(value)) {
    return invalid(`expected a Kubernetes object (a mapping with apiVersion, kind and metadata), found ${describeValue(value)}`);
  }
  const { apiVersion, kind } = value;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    return invalid(
      `apiVersion: expected a string such as gateway.networking.k8s.io/v1, found ${describeValue(apiVersion)}`,
      value,
      'apiVersion',
    );
  }
  if (typeof kind !== 'string' || kind === '') {
    return invalid(`kind: expected a string such as Gateway, found ${describeValue(kind)}`, value, 'kind');
  }
  if (kind === 'List' || (kind.endsWith('List') && 'items' in value)) {
    const items = value.items;
    if (items === undefined || items === null) return { kind: 'skip' };
    if (!Array.isArray(items)) return invalid(`items: expected a list of objects, found ${describeValue(items)}`, value, 'items');
    const taken = (lists.listed.get(document) ?? 0) + items.length;
    if (taken > lists.max) {
      return invalid(
        `items: ${items.length} items take this document past ${lists.max} List items; none of them is read (split the List into several documents or files)`,
        value,
        'items',
      );
    }
    lists.listed.set(document, taken);
    return { kind: 'list', items: items.map((item: unknown, i) => ({ value: item, document, path: [...path, 'items', i] })) };
  }
  const key = snapshotKeyFor(apiVersion, kind);
  if (!key) {
    reportUnread(value, apiVersion, kind, where, namespace, diagnostics);
    return { kind: 'skip' };
  }
  const object = withDefaultNamespace(value, kind, namespace);
  const badName = nameProblem(object);
  if (badName) return invalid(badName.message, object, badName.field);
  return { kind: 'object', key, object, identity: identityOf(key, object, ordinal), where };
}

/** RFC 1123 subdomain (object names) and label (namespaces), as the API server checks them. */
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A name or namespace the API server would refuse (`a/b`, `..`, upper case, control
 * characters): the object is not read, since such names end up in keys, references and logs.
 * Names that are missing or not strings are left to the translators, which report them.
 */
function nameProblem(object: Record<string, unknown>): { message: string; field: string } | undefined {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const { name, namespace } = metadata;
  if (typeof name === 'string' && name !== '' && (name.length > 253 || !SUBDOMAIN.test(name)))
    return {
      field: 'metadata.name',
      message: `metadata.name ${JSON.stringify(name.slice(0, 80))} is not a valid object name (lower-case letters, digits, "-" and ".", at most 253 characters); the object is not read`,
    };
  if (typeof namespace === 'string' && namespace !== '' && (namespace.length > 63 || !LABEL.test(namespace)))
    return {
      field: 'metadata.namespace',
      message: `metadata.namespace ${JSON.stringify(namespace.slice(0, 80))} is not a valid namespace (lower-case letters, digits and "-", at most 63 characters); the object is not read`,
    };
  return undefined;
}

function reportUnread(
  object: Record<string, unknown>,
  apiVersion: string,
  kind: string,
  where: string,
  namespace: string,
  diagnostics: Diagnostic[],
): void {
  const readFrom = resourceForKind(kind)?.group;
  if (readFrom !== undefined) {
    diagnostics.push({
      severity: 'warning',
      code: LoaderCode.unsupportedApiVersion,
      resource: refFor(object, namespace),
      field: 'apiVersion',
      message: `${where}: ${kind} is read from API group ${readFrom === '' ? 'core (apiVersion v1)' : readFrom}, not from ${apiVersion}; this object is not translated`,
    });
    return;
  }
  diagnostics.push({
    severity: 'info',
    code: LoaderCode.ignoredKind,
    resource: refFor(object, namespace),
    message: `${where}: ${apiVersion} ${kind} is not a kind kupstream reads; it is not translated`,
  });
}

/** A copy with `metadata.namespace` set when absent, as kubectl does for namespaced kinds. */
function withDefaultNamespace(object: Record<string, unknown>, kind: string, namespace: string): Record<string, unknown> {
  if (clusterScoped(kind)) return object;
  const metadata = object.metadata;
  // A metadata that is not a mapping is left as written: the translators report it by field.
  if (metadata !== undefined && !isRecord(metadata)) return object;
  const current = metadata?.namespace;
  if (current !== undefined && current !== null && current !== '') return object;
  return { ...object, metadata: { ...metadata, namespace } };
}

/** Kind, group, namespace and name: what makes two manifests the same object. */
function identityOf(key: SnapshotKey, object: Record<string, unknown>, ordinal: number): string {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const name = metadata.name;
  // Objects without a usable name are never merged: each is reported by the translators.
  if (typeof name !== 'string' || name === '') return `${key}\u0000#unnamed-${ordinal}`;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  return `${key}\u0000${namespace}\u0000${name}`;
}

function refFor(object: Record<string, unknown>, namespace: string): ResourceRef {
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  if (clusterScoped(kind)) return { kind, name };
  const ns = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : namespace;
  return { kind, namespace: ns, name };
}

function describeLocation({ document, path }: Located): string {
  const line = path.length ? (document.lineOf(path) ?? document.line) : document.line;
  const items = path.length ? `, ${formatPath(path)}` : '';
  return `${document.source} (document ${document.index}${items}, line ${line})`;
}

function formatPath(path: NodePath): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return value === '' ? 'an empty string' : `a string`;
  return `a ${typeof value}`;
}
