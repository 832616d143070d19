// The IPC protocol between a primary (worker-supervisor.ts) and its workers: what each side
// sends, as plain JSON. The primary sends the host's configuration once (with the worker's
// slot), then every model (with the key material it references) and finally `drain`; a worker
// says when it listens, what it would print, what it served (batched) and how its pools
// stand, and when it drained.
import type { TrafficFacts } from '@kupstream/admin';
import type { AddressInfo } from 'node:net';
import type { ModelTransfer } from './model-transfer.js';

/** The host's configuration of a worker (whatever it needs; plain JSON), with its slot: 1..N, kept by a replacement. */
export type WorkerConfig<C extends object> = C & { slot: number };

export type PrimaryMessage<C extends object = object> =
  { type: 'config'; config: WorkerConfig<C> } | { type: 'model'; model: ModelTransfer } | { type: 'drain' };

/** Responses with the same facts, counted (the metrics need counts, not one message per request). */
export interface ResponseCount {
  endpoint?: string;
  upstream?: string;
  method: string;
  path: string;
  status: number;
  code?: string;
  count: number;
}

export interface FailureCount {
  endpoint?: string;
  upstream?: string;
  method: string;
  path: string;
  code: string;
  count: number;
}

/** A request-log entry as sent: headers already redacted, time as ISO 8601, no bodies. */
export interface RequestEntryMessage {
  time: string;
  method: string;
  host: string;
  path: string;
  route?: string;
  upstream?: string;
  status: number;
  durationMs: number;
  error?: string;
  requestHeaders: Record<string, string | string[]>;
  responseHeaders: Record<string, string | string[]>;
}

export interface PoolReport {
  upstream: string;
  active: number;
  idle: number;
  handshakes?: { full: number; resumed: number };
}

export type WorkerMessage =
  /** Listening for messages: the configuration may be sent. */
  | { type: 'ready' }
  | { type: 'listening'; listen: string; gatewayPorts: { port: number; address: string }[] }
  | { type: 'addresses'; addresses: AddressInfo[] }
  | { type: 'startup-failed'; message: string }
  | { type: 'announce'; line: string }
  | { type: 'traffic'; responses: ResponseCount[]; failures: FailureCount[]; requests: RequestEntryMessage[] }
  /** Pools, and endpoints with their health and running counts (each worker checks and ejects on its own). */
  | { type: 'stats'; pools: PoolReport[]; traffic?: TrafficFacts[] }
  | { type: 'drained'; cut: boolean };

const WORKER_TYPES = new Set<WorkerMessage['type']>([
  'ready',
  'listening',
  'addresses',
  'startup-failed',
  'announce',
  'traffic',
  'stats',
  'drained',
]);
const PRIMARY_TYPES = new Set<PrimaryMessage['type']>(['config', 'model', 'drain']);

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return typeof value === 'object' && value !== null && WORKER_TYPES.has((value as { type: WorkerMessage['type'] }).type);
}

export function isPrimaryMessage<C extends object>(value: unknown): value is PrimaryMessage<C> {
  return typeof value === 'object' && value !== null && PRIMARY_TYPES.has((value as { type: PrimaryMessage['type'] }).type);
}
