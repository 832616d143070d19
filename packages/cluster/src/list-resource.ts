// One LIST of one resource kind across namespaces: version negotiation (the first
// served version wins; 404 means "not served"), pagination, and objects made whole
// (list items of built-in kinds come without apiVersion/kind) or reported as malformed.
import { isRecord } from '@kupstream/core/building-blocks';
import { ApiError, type KubeApi } from './api-client.js';
import { apiVersionOf, type ResourceKind } from '@kupstream/core';
import { collectionPath, resourceName } from './resources.js';

export interface ListedResource {
  type: ResourceKind;
  /** The version that answered. */
  version: string;
  items: Record<string, unknown>[];
  /** The list's resourceVersion, where a watch starts. */
  resourceVersion: string;
}

export interface ListOptions {
  /** Items per page (`limit`); the API server keeps a consistent snapshot across pages. */
  pageSize?: number;
  signal?: AbortSignal;
  /** Told of each item that is not a usable object (it is left out). */
  onMalformed?: (message: string) => void;
}

export const DEFAULT_PAGE_SIZE = 500;

/** Lists `type` across namespaces; `undefined` when the cluster serves none of its versions (CRD not installed). */
export async function listResource(api: KubeApi, type: ResourceKind, options: ListOptions = {}): Promise<ListedResource | undefined> {
  for (const version of type.versions) {
    try {
      return await listVersion(api, type, version, options);
    } catch (error) {
      if (error instanceof ApiError && error.statusCode === 404) continue;
      throw error;
    }
  }
  return undefined;
}

async function listVersion(api: KubeApi, type: ResourceKind, version: string, options: ListOptions): Promise<ListedResource> {
  const path = collectionPath(type, version);
  const items: Record<string, unknown>[] = [];
  let resourceVersion = '';
  let continueToken: string | undefined;
  do {
    const page = await api.request('GET', path, {
      query: { limit: String(options.pageSize ?? DEFAULT_PAGE_SIZE), continue: continueToken },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!isRecord(page) || !Array.isArray(page.items)) throw new ApiError(`GET ${path}: the answer is not a ${type.kind}List`, 200);
    const meta = isRecord(page.metadata) ? page.metadata : {};
    if (continueToken === undefined) resourceVersion = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '';
    for (const item of page.items) {
      const object = completeObject(item, type, version);
      if (object) items.push(object);
      else options.onMalformed?.(`ignored a malformed item in the ${resourceName(type)} list: ${describe(item)}`);
    }
    continueToken = typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
  } while (continueToken !== undefined);
  return { type, version, items, resourceVersion };
}

/**
 * The object with the apiVersion/kind of the list it came from, or undefined when it
 * is not an object with a name (which no API server should send, but a broken proxy might).
 */
export function completeObject(item: unknown, type: ResourceKind, version: string): Record<string, unknown> | undefined {
  if (!isRecord(item) || !isRecord(item.metadata) || typeof item.metadata.name !== 'string' || item.metadata.name === '') return undefined;
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = item;
  return { apiVersion: apiVersionOf(type.group, version), kind: type.kind, ...rest };
}

function describe(item: unknown): string {
  if (!isRecord(item)) return `${item === null ? 'null' : Array.isArray(item) ? 'a list' : `a ${typeof item}`} instead of an object`;
  return isRecord(item.metadata) ? 'no metadata.name' : 'no metadata';
}
