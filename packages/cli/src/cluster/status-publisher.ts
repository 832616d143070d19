// `serve --kubeconfig --write-status`: every replica translates, but only the one
// holding the Lease writes statuses. A replica that becomes leader writes the latest
// statuses at once (with a fresh writer: what it remembered writing may have been
// overwritten by the leader before it), and one that loses the Lease stops writing.
import type { KubeObject, ResourceStatus, StoredObjectRef } from '@kupstream/core';
import type { KubeConfig } from '@kubernetes/client-node';
import type { LeaseFlags } from '../args/args.js';
import { LeaderElector, LEADER_ELECTION_DEFAULTS, StatusWriter } from '@kupstream/cluster';
import { defaultLeaseNamespace } from './cluster-connection.js';
import type { Logger } from '../log/log.js';
import { describeStatusReport } from './status-report.js';

export interface StatusPublisherOptions {
  kubeConfig: KubeConfig;
  lease: LeaseFlags;
  /** The informers' copy of an object (its current status and resourceVersion). */
  currentObject: (ref: StoredObjectRef) => KubeObject | undefined;
  log: Logger;
  /** Leadership changes, e.g. for the `kupstream_leader` gauge. */
  onLeading?: (leading: boolean) => void;
}

export class StatusPublisher {
  readonly #options: StatusPublisherOptions;
  readonly #elector: LeaderElector;
  #writer: StatusWriter | undefined;
  #latest: readonly ResourceStatus[] | undefined;

  constructor(options: StatusPublisherOptions) {
    this.#options = options;
    const { log } = options;
    const namespace = options.lease.namespace ?? defaultLeaseNamespace(options.kubeConfig);
    const name = options.lease.name ?? LEADER_ELECTION_DEFAULTS.leaseName;
    this.#elector = new LeaderElector(options.kubeConfig, {
      namespace,
      leaseName: name,
      onStartedLeading: () => {
        log.line(`leading (Lease ${namespace}/${name}): this replica writes statuses`, { leader: true });
        this.#writer = new StatusWriter(options.kubeConfig, {
          currentObject: options.currentObject,
          onError: (failure) => log.warn(`status not written: ${failure.message}`),
        });
        options.onLeading?.(true);
        if (this.#latest) void this.#write(this.#latest);
      },
      onStoppedLeading: () => {
        log.line(`no longer leading (Lease ${namespace}/${name}): statuses are left to the leader`, { leader: false });
        this.#writer?.close();
        this.#writer = undefined;
        options.onLeading?.(false);
      },
      onNewLeader: (identity) => {
        if (identity !== this.#elector.identity) log.line(`the leader is ${identity}`);
      },
      onError: (error) => log.warn(`leader election: ${error.message}`),
    });
    log.line(`campaigning for Lease ${namespace}/${name} as ${this.#elector.identity}`);
  }

  start(): void {
    this.#elector.start();
  }

  /** The statuses of the newest translation: written now when leading, else kept for when we lead. */
  async publish(statuses: readonly ResourceStatus[]): Promise<void> {
    this.#latest = statuses;
    await this.#write(statuses);
  }

  /** Stops writing and hands the Lease back at once, so another replica takes over without waiting for it to expire. */
  async release(): Promise<void> {
    await this.#elector.release();
    this.#writer?.close();
  }

  async #write(statuses: readonly ResourceStatus[]): Promise<void> {
    const writer = this.#writer;
    if (!writer) return;
    const report = await writer.write(statuses);
    if (report.written.length || report.failed.length) this.#options.log.line(describeStatusReport(report));
  }
}
