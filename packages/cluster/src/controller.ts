// The controller loop a kupstream host runs against a cluster: informers keep a
// SnapshotStore current; after every burst of changes (debounced) the snapshot is
// translated, the result handed to the host (`onResult`: swap the data plane), and the
// statuses written back — merged with the entries other controllers own, and, when a
// Lease is named, by the one replica that holds it.
import type { KubeConfig } from '@kubernetes/client-node';
import { mergeResults, translateAgentEndpoints, type ClusterSnapshot, type SnapshotStore, type TranslationResult } from '@kupstream/core';
import { createGatewayTranslator } from '@kupstream/gateway';
import { translateIngresses } from '@kupstream/ingress';
import { kubeApiOf, type KubeApi } from './api-client.js';
import { ElectedStatusWriter, type ElectedStatusWriterOptions, type StatusWriteEvents } from './elected-status-writer.js';
import { StatusWriter } from './status-writer.js';
import { watchCluster, type ChangeInfo, type WatchClusterOptions } from './watch-cluster.js';

/** Whether and how statuses are written back. */
export type StatusWriteMode =
  | false
  | true
  | (StatusWriteEvents & {
      /** Only the replica holding this Lease writes (several replicas of one controller). */
      lease?: ElectedStatusWriterOptions['lease'];
    });

export interface ControllerOptions extends Pick<
  WatchClusterOptions,
  'debounceMs' | 'maxDelayMs' | 'resyncMs' | 'onProgress' | 'backoff' | 'watchTimeoutSeconds' | 'absentRetryMs' | 'pageSize'
> {
  /** The cluster: a KubeConfig (see `loadKubeConfig`) or a `KubeApi`. */
  kubeConfig: KubeConfig | KubeApi;
  /**
   * Snapshot → result. Default: the Gateway API (incremental), Ingress and AgentEndpoint
   * translators merged, with classes never assumed (a Gateway of a class this controller
   * does not see belongs to another controller).
   */
  translate?: (snapshot: ClusterSnapshot) => TranslationResult;
  /** Called with every translation, in order, never concurrently: where a host swaps its data plane. */
  onResult: (result: TranslationResult, info: ChangeInfo) => void | Promise<void>;
  /** Write statuses back (default false). `true`: this process writes; `{ lease }`: the Lease holder writes. */
  writeStatus?: StatusWriteMode;
  /** Watch and list failures, errors thrown by `translate` or `onResult`. */
  onError?: (error: Error) => void;
}

export interface Controller {
  /** The live objects the informers keep. */
  readonly store: SnapshotStore;
  /** Resolves once every kind has been listed and the first result handed to `onResult`. */
  readonly synced: Promise<void>;
  /** Whether this replica writes statuses now (always true with `writeStatus: true`, false without writing). */
  isWriting(): boolean;
  /** This replica's identity in the Lease, when statuses are written under one. */
  readonly leaseIdentity: string | undefined;
  /**
   * Translates the unchanged snapshot again now (and writes its statuses), for inputs of the
   * host's own that changed — e.g. handshake verdicts its `translate` joins into the statuses.
   */
  resync(): void;
  /** Stops the informers and timers; with a Lease, hands it back so another replica takes over at once. */
  close(): Promise<void>;
}

/** The translators of the SDK, merged: what `createController` translates with unless told otherwise. */
export function createDefaultTranslate(): (snapshot: ClusterSnapshot) => TranslationResult {
  const gateway = createGatewayTranslator({ assumeClassesWhenAbsent: false });
  return (snapshot) =>
    mergeResults(
      gateway.translate(snapshot),
      translateIngresses(snapshot, { assumeClassesWhenAbsent: false }),
      translateAgentEndpoints(snapshot),
    );
}

/** Starts the loop at once; returns immediately. */
export function createController(options: ControllerOptions): Controller {
  if (typeof options.onResult !== 'function')
    throw new TypeError('createController needs onResult(result): where the host uses each translation');
  const api = kubeApiOf(options.kubeConfig);
  const translate = options.translate ?? createDefaultTranslate();
  const onError = options.onError ?? (() => undefined);
  const mode = options.writeStatus ?? false;
  const events: StatusWriteEvents = typeof mode === 'object' ? mode : {};
  // The informers' copy of each object (called only once the watch below exists).
  const currentObject: ElectedStatusWriterOptions['currentObject'] = (ref) => watch.store.get(ref);

  let publish: ((result: TranslationResult) => Promise<void>) | undefined;
  let elected: ElectedStatusWriter | undefined;
  let writer: StatusWriter | undefined;
  if (typeof mode === 'object' && mode.lease) {
    elected = new ElectedStatusWriter(api, { ...events, lease: mode.lease, currentObject });
    const electedWriter = elected;
    publish = (result) => electedWriter.publish(result.statuses);
  } else if (mode) {
    writer = new StatusWriter(api, { currentObject, ...(events.onWriteError ? { onError: events.onWriteError } : {}) });
    const plainWriter = writer;
    publish = async (result) => {
      const report = await plainWriter.write(result.statuses);
      if (report.written.length || report.failed.length) events.onReport?.(report);
    };
  }

  let firstResult: () => void = () => undefined;
  const delivered = new Promise<void>((resolve) => (firstResult = resolve));
  const watch = watchCluster(api, {
    ...pick(options, ['debounceMs', 'maxDelayMs', 'resyncMs', 'onProgress', 'backoff', 'watchTimeoutSeconds', 'absentRetryMs', 'pageSize']),
    onError,
    onChange: async (snapshot, info) => {
      let result: TranslationResult;
      try {
        result = translate(snapshot);
        await options.onResult(result, info);
      } finally {
        firstResult();
      }
      await publish?.(result);
    },
  });
  elected?.start();

  return {
    store: watch.store,
    synced: watch.synced.then(() => delivered),
    isWriting: () => (elected ? elected.isLeader() : writer !== undefined),
    leaseIdentity: elected?.identity,
    resync: () => watch.resync(),
    async close() {
      await watch.close();
      writer?.close();
      await elected?.release();
    },
  };
}

function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (object[key] !== undefined) picked[key] = object[key];
  return picked;
}
