// The Lease I/O of leader election, apart from its rules (as client-go separates
// resourcelock from leaderelection): read, create and conditionally update one
// coordination.k8s.io/v1 Lease, and read and write its leader-election fields.
import { isRecord } from '@kupstream/core/building-blocks';
import { ApiError, type KubeApi } from './api-client.js';

/** The Lease fields leader election uses (`spec` of a coordination.k8s.io/v1 Lease). */
export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

/** A Lease as the API server returns it. */
export type Lease = Record<string, unknown> & { metadata: Record<string, unknown> };

/** One Lease; every write is conditional on the resourceVersion of the Lease it starts from. */
export class LeaseLock {
  readonly #api: KubeApi;
  readonly #path: string;
  readonly #namespace: string;
  readonly #name: string;
  readonly #timeoutMs: number;

  constructor(api: KubeApi, namespace: string, name: string, timeoutMs: number) {
    this.#api = api;
    this.#namespace = namespace;
    this.#name = name;
    this.#timeoutMs = timeoutMs;
    this.#path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases/${encodeURIComponent(name)}`;
  }

  /** The Lease; rejects with an ApiError (404 when there is none). */
  async get(signal?: AbortSignal): Promise<Lease> {
    return asLease(await this.#api.request('GET', this.#path, { timeoutMs: this.#timeoutMs, ...(signal ? { signal } : {}) }));
  }

  /** Creates the Lease with `record` (409 when another replica created it first). */
  async create(record: LeaseRecord, signal?: AbortSignal): Promise<Lease> {
    const body = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.#name, namespace: this.#namespace },
      spec: record,
    };
    const collection = this.#path.slice(0, this.#path.lastIndexOf('/'));
    return asLease(await this.#api.request('POST', collection, { body, timeoutMs: this.#timeoutMs, ...(signal ? { signal } : {}) }));
  }

  /** Writes `record` over `lease` (409 when the Lease changed since it was read). */
  async update(lease: Lease, record: LeaseRecord, signal: AbortSignal | undefined): Promise<Lease> {
    const body = { ...lease, spec: { ...(isRecord(lease.spec) ? lease.spec : {}), ...record } };
    return asLease(await this.#api.request('PUT', this.#path, { body, timeoutMs: this.#timeoutMs, ...(signal ? { signal } : {}) }));
  }
}

/** The leader-election fields of a Lease, or undefined when it has none (a Lease made by hand). */
export function readRecord(lease: Record<string, unknown>): LeaseRecord | undefined {
  const spec = isRecord(lease.spec) ? lease.spec : undefined;
  if (!spec) return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  return {
    holderIdentity: text(spec.holderIdentity),
    leaseDurationSeconds: count(spec.leaseDurationSeconds),
    acquireTime: text(spec.acquireTime),
    renewTime: text(spec.renewTime),
    leaseTransitions: count(spec.leaseTransitions),
  };
}

export function sameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    a.leaseTransitions === b.leaseTransitions
  );
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits, as the API server parses it. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function asLease(value: unknown): Lease {
  if (!isRecord(value) || !isRecord(value.metadata)) throw new ApiError('the API server answered with something that is not a Lease', 200);
  return value as Lease;
}
