// Status write-back when several replicas run: every replica translates, but only the one
// holding the Lease writes. A replica that becomes leader writes the latest statuses at once
// (with a fresh writer: what it remembered writing may have been overwritten by the leader
// before it), and one that loses the Lease stops writing.
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject, ResourceStatus, StoredObjectRef } from '@kupstream/core';
import type { KubeApi } from './api-client.js';
import { LeaderElector, type LeaderElectorOptions } from './leader-election.js';
import { StatusWriter, type StatusWriteFailure, type StatusWriteReport } from './status-writer.js';

/** What happens to the statuses, for a host's log or metrics. */
export interface StatusWriteEvents {
  /** This replica took the Lease (`true`) or lost or released it (`false`). */
  onLeading?: (leading: boolean) => void;
  /** Another identity holds the Lease. */
  onNewLeader?: (identity: string) => void;
  /** A write that wrote or failed something. */
  onReport?: (report: StatusWriteReport) => void;
  /** Each status that could not be written. */
  onWriteError?: (failure: StatusWriteFailure) => void;
  /** Lease I/O failures (the elector keeps trying). */
  onElectionError?: (error: Error) => void;
}

export interface ElectedStatusWriterOptions extends StatusWriteEvents {
  /** The informers' copy of an object (its current status and resourceVersion). */
  currentObject: (ref: StoredObjectRef) => KubeObject | undefined;
  /** The Lease: its namespace, and optionally its name, this replica's identity and timings. */
  lease: Pick<LeaderElectorOptions, 'namespace'> & Partial<Omit<LeaderElectorOptions, 'namespace'>>;
}

export class ElectedStatusWriter {
  readonly #kubeConfig: KubeConfig | KubeApi;
  readonly #options: ElectedStatusWriterOptions;
  readonly #elector: LeaderElector;
  #writer: StatusWriter | undefined;
  #latest: readonly ResourceStatus[] | undefined;

  constructor(kubeConfig: KubeConfig | KubeApi, options: ElectedStatusWriterOptions) {
    this.#kubeConfig = kubeConfig;
    this.#options = options;
    this.#elector = new LeaderElector(kubeConfig, {
      ...options.lease,
      onStartedLeading: () => {
        this.#writer = this.#newWriter();
        options.onLeading?.(true);
        if (this.#latest) void this.#write(this.#latest);
      },
      onStoppedLeading: () => {
        this.#writer?.close();
        this.#writer = undefined;
        options.onLeading?.(false);
      },
      onNewLeader: (identity) => {
        if (identity !== this.#elector.identity) options.onNewLeader?.(identity);
      },
      onError: (error) => options.onElectionError?.(error),
    });
  }

  /** This replica's identity in the Lease. */
  get identity(): string {
    return this.#elector.identity;
  }

  isLeader(): boolean {
    return this.#elector.isLeader();
  }

  start(): void {
    this.#elector.start();
  }

  /** The statuses of the newest translation: written now when leading, else kept for when this replica leads. */
  async publish(statuses: readonly ResourceStatus[]): Promise<void> {
    this.#latest = statuses;
    await this.#write(statuses);
  }

  /** Stops writing and hands the Lease back at once, so another replica takes over without waiting for it to expire. */
  async release(): Promise<void> {
    await this.#elector.release();
    this.#writer?.close();
    this.#writer = undefined;
  }

  #newWriter(): StatusWriter {
    return new StatusWriter(this.#kubeConfig, {
      currentObject: this.#options.currentObject,
      onError: (failure) => this.#options.onWriteError?.(failure),
    });
  }

  async #write(statuses: readonly ResourceStatus[]): Promise<void> {
    const writer = this.#writer;
    if (!writer) return;
    const report = await writer.write(statuses);
    if (report.written.length || report.failed.length) this.#options.onReport?.(report);
  }
}
