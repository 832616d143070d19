// The IPC protocol between `serve --workers N`'s primary and its workers: what each side
// sends, as plain JSON. The primary sends the configuration once, then every model (with
// the key material it references) and finally `drain`; a worker says when it listens, what
// it would print, what it served (batched) and how its pools stand, and when it drained.
import type { AddressInfo } from 'node:net';
import type { TrafficFacts } from '@kupstream/admin';
import type { HostPort, L4Mapping, ResolveOverride } from '../../args/flag-values.js';
import type { GatewayPortMapping } from '../../args/gateway-port-flag.js';
import type { LogFormat } from '../../args/args.js';
import type { ModelTransfer } from './model-transfer.js';

/** What a worker needs of the command line (the primary parsed and checked it). */
export interface WorkerConfig {
  /** 1..N, kept by a replacement. */
  slot: number;
  listen: HostPort;
  gatewayPorts: GatewayPortMapping[];
  l4: L4Mapping[];
  tlsMinVersion: 'TLSv1.2' | 'TLSv1.3';
  resolve: ResolveOverride[];
  denyUpstreams: string[];
  shutdownTimeoutMs: number;
  logFormat: LogFormat;
  /** With --admin: record traffic for the primary's admin server, whose address is never an upstream. */
  admin?: { address: AddressInfo };
}

export type PrimaryMessage = { type: 'config'; config: WorkerConfig } | { type: 'model'; model: ModelTransfer } | { type: 'drain' };

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

export function isPrimaryMessage(value: unknown): value is PrimaryMessage {
  return typeof value === 'object' && value !== null && PRIMARY_TYPES.has((value as { type: PrimaryMessage['type'] }).type);
}
