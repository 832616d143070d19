// What a worker of `serve --workers N` needs of the command line (the primary parsed and
// checked it): sent once to each worker, with its slot, before any model.
import type { AddressInfo } from 'node:net';
import type { GatewayPortMapping, HostPort, L4Mapping } from '@kupstream/agent';
import type { WorkerConfig } from '@kupstream/workers';
import type { LogFormat } from '../../args/args.js';
import type { ResolveOverride } from '../../args/flag-values.js';

export interface ServeWorkerSettings {
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

export type ServeWorkerConfig = WorkerConfig<ServeWorkerSettings>;
