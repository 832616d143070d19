// Leader election on a coordination.k8s.io/v1 Lease, the way client-go's leaderelection
// package does it, so that of several replicas exactly one writes statuses. Every
// replica keeps campaigning: a replica that loses the lease becomes a candidate again.
//
// Safety rests on three rules, all from client-go:
// - writes are conditional on the Lease's resourceVersion (409 = someone else won);
// - a lease held by another counts as expired only when `leaseDurationSeconds` have
//   passed on OUR clock since WE saw its record change (remote timestamps may come
//   from a skewed clock and are never compared with ours);
// - a leader that cannot renew within renewDeadline (< leaseDuration) steps down
//   before any other replica may consider the lease expired.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError, kubeApiOf, type KubeApi } from './api-client.js';
import { LeaseLock, microTime, readRecord, sameRecord, type Lease, type LeaseRecord } from './lease-lock.js';

/** The defaults, as controller-runtime has them. */
export const LEADER_ELECTION_DEFAULTS = {
  leaseName: 'kupstream-status-writer',
  /** How long a lease stays valid after its holder's last renewal, as seen by the others. */
  leaseDurationMs: 15_000,
  /** How long a leader keeps leading without a successful renewal. */
  renewDeadlineMs: 10_000,
  /** Between two attempts to acquire or renew. */
  retryPeriodMs: 2_000,
} as const;

/** Time for the elector; tests pass a manual clock. Real timers are unref'd. */
export interface ElectionClock {
  now(): number;
  /** Calls `callback` after `ms`; returns a function that cancels it. */
  schedule(callback: () => void, ms: number): () => void;
}

export const systemClock: ElectionClock = {
  now: () => Date.now(),
  schedule(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export interface LeaderElectorOptions {
  /** Namespace of the Lease (kupstream's own; the CLI's `--lease-namespace`). */
  namespace: string;
  /** Default `kupstream-status-writer`. */
  leaseName?: string;
  /** Unique per process; default `<hostname>_<random UUID>`. */
  identity?: string;
  /** A whole number of seconds (it is written as `leaseDurationSeconds`); default 15 s. */
  leaseDurationMs?: number;
  /** Shorter than leaseDurationMs; default 10 s. */
  renewDeadlineMs?: number;
  /** Shorter than renewDeadlineMs; default 2 s. */
  retryPeriodMs?: number;
  /** This replica became the leader: start writing statuses. */
  onStartedLeading?: () => void;
  /** This replica is no longer the leader (lost, could not renew, released, closed): stop writing at once. */
  onStoppedLeading?: () => void;
  /** The Lease names a holder other than the last one reported (this replica included). */
  onNewLeader?: (identity: string) => void;
  /** API failures (the elector retries by itself) and errors thrown by the callbacks. */
  onError?: (error: Error) => void;
  clock?: ElectionClock;
  /** For the candidates' jitter; default Math.random. */
  random?: () => number;
}

/** Candidates wait retryPeriod plus up to this fraction more, so replicas do not poll in lockstep. */
const CANDIDATE_JITTER = 0.2;

/**
 * Campaigns for the Lease from `start()` until `release()` or `close()`. Never throws on
 * API errors: they go to `onError`, and a leader that cannot renew steps down.
 */
export class LeaderElector {
  readonly identity: string;
  readonly namespace: string;
  readonly leaseName: string;
  readonly #lock: LeaseLock;
  readonly #options: LeaderElectorOptions;
  readonly #clock: ElectionClock;
  readonly #random: () => number;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  #leading = false;
  #stopped = false;
  #started = false;
  /** The Lease as last read or written (its resourceVersion makes our writes conditional). */
  #lease: Lease | undefined;
  /** When the Lease's record last changed, by our clock. */
  #observedAt = 0;
  #lastRenewedAt = 0;
  #reportedLeader = '';
  #cancelTick: (() => void) | undefined;
  #cancelDeadline: (() => void) | undefined;
  #inFlight: { abort: AbortController; done: Promise<void> } | undefined;

  constructor(kubeConfig: KubeConfig | KubeApi, options: LeaderElectorOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.namespace = options.namespace;
    this.leaseName = options.leaseName ?? LEADER_ELECTION_DEFAULTS.leaseName;
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.#leaseDurationMs = options.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs;
    this.#retryPeriodMs = options.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs;
    if (!this.namespace) throw new RangeError('leader election needs the namespace of its Lease');
    if (!this.identity) throw new RangeError('leader election needs a non-empty identity');
    if (!Number.isInteger(this.#leaseDurationMs / 1000) || this.#leaseDurationMs < 1000)
      throw new RangeError('leaseDurationMs must be a whole number of seconds, at least 1000');
    if (!(this.#renewDeadlineMs < this.#leaseDurationMs)) throw new RangeError('renewDeadlineMs must be shorter than leaseDurationMs');
    if (!(this.#retryPeriodMs > 0 && this.#retryPeriodMs * (1 + CANDIDATE_JITTER) < this.#renewDeadlineMs))
      throw new RangeError('retryPeriodMs (plus 20% jitter) must be shorter than renewDeadlineMs');
    this.#lock = new LeaseLock(kubeApiOf(kubeConfig), this.namespace, this.leaseName, this.#renewDeadlineMs);
  }

  /** Starts campaigning (at once); idempotent. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#scheduleTick(0);
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder named by the Lease when last seen ('' when none). */
  get leader(): string {
    return this.#reportedLeader;
  }

  /**
   * Stops campaigning and, when the Lease names this replica, hands it back (empty
   * holder, 1 s duration) so another replica takes over at its next attempt. Call it on shutdown.
   * `onStoppedLeading` fires before the Lease is written. Never rejects.
   */
  async release(): Promise<void> {
    await this.#stop();
    // Released whenever the Lease we last saw names us: an acquisition cut short by the
    // stop may have landed without our knowing, and would otherwise block the others.
    if (!this.#lease) return;
    for (let attempt = 0; attempt < 2; attempt++) {
      const current = this.#lease;
      const record = readRecord(current);
      if (!record || record.holderIdentity !== this.identity) return;
      const now = this.#clock.now();
      try {
        this.#lease = await this.#lock.update(
          current,
          { ...record, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: microTime(now), renewTime: microTime(now) },
          undefined,
        );
        return;
      } catch (error) {
        // 409: an aborted renewal may have landed after all, or someone edited the Lease:
        // re-read it and retry once if it still names us.
        if (!(error instanceof ApiError && error.statusCode === 409)) {
          this.#report(error);
          return;
        }
        try {
          this.#lease = await this.#lock.get();
        } catch (readError) {
          this.#report(readError);
          return;
        }
      }
    }
  }

  /** Stops campaigning without writing the Lease (it expires after leaseDuration). Never rejects. */
  async close(): Promise<void> {
    await this.#stop();
  }

  async #stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelTick?.();
    this.#cancelTick = undefined;
    const inFlight = this.#inFlight;
    inFlight?.abort.abort();
    this.#stepDown();
    await inFlight?.done;
  }

  #scheduleTick(ms: number): void {
    this.#cancelTick?.();
    this.#cancelTick = this.#clock.schedule(() => {
      this.#cancelTick = undefined;
      this.#tick();
    }, ms);
  }

  #tick(): void {
    if (this.#stopped) return;
    const abort = new AbortController();
    const done = this.#tryAcquireOrRenew(abort.signal).then(
      (held) => this.#settle(held, abort.signal),
      (error: unknown) => {
        this.#report(error);
        this.#settle(false, abort.signal);
      },
    );
    this.#inFlight = { abort, done };
  }

  #settle(held: boolean, signal: AbortSignal): void {
    this.#inFlight = undefined;
    if (this.#stopped) return;
    const now = this.#clock.now();
    if (held && !signal.aborted) {
      this.#lastRenewedAt = now;
      this.#armDeadline();
      if (!this.#leading) {
        this.#leading = true;
        this.#call(this.#options.onStartedLeading);
      }
    } else if (this.#leading && this.#heldByOther()) {
      // Someone else holds it now (we were cut off long enough): leading on would make two writers.
      this.#stepDown();
    }
    this.#scheduleTick(this.#nextDelay(now));
  }

  #nextDelay(now: number): number {
    if (this.#leading) return this.#retryPeriodMs;
    const jittered = Math.round(this.#retryPeriodMs * (1 + this.#random() * CANDIDATE_JITTER));
    const record = this.#lease ? readRecord(this.#lease) : undefined;
    if (!record?.holderIdentity) return jittered;
    // Try again right when the holder's lease runs out, rather than up to a retry later
    // (only while that moment is ahead: once past, failing attempts keep the retry pace).
    const untilExpiry = this.#observedAt + record.leaseDurationSeconds * 1000 - now;
    return untilExpiry > 0 ? Math.min(jittered, untilExpiry) : jittered;
  }

  /** The leader's own clock: without a renewal by the deadline it steps down, even with a call still hanging. */
  #armDeadline(): void {
    this.#cancelDeadline?.();
    this.#cancelDeadline = this.#clock.schedule(
      () => {
        this.#cancelDeadline = undefined;
        if (!this.#leading) return;
        this.#report(
          new Error(`could not renew Lease ${this.namespace}/${this.leaseName} within ${this.#renewDeadlineMs} ms: stepping down`),
        );
        this.#inFlight?.abort.abort();
        this.#stepDown();
      },
      this.#lastRenewedAt + this.#renewDeadlineMs - this.#clock.now(),
    );
  }

  #stepDown(): void {
    this.#cancelDeadline?.();
    this.#cancelDeadline = undefined;
    if (!this.#leading) return;
    this.#leading = false;
    this.#call(this.#options.onStoppedLeading);
  }

  /** client-go's tryAcquireOrRenew: true when this replica holds the Lease afterwards. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = this.#clock.now();
    const desired = (previous: LeaseRecord | undefined): LeaseRecord => {
      const mine = previous?.holderIdentity === this.identity;
      return {
        holderIdentity: this.identity,
        leaseDurationSeconds: this.#leaseDurationMs / 1000,
        acquireTime: mine && previous ? previous.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: previous ? previous.leaseTransitions + (mine ? 0 : 1) : 0,
      };
    };

    // Fast path for a leader: renew from the Lease we wrote last, without reading it first.
    if (this.#leading && this.#lease) {
      const record = readRecord(this.#lease);
      try {
        this.#lease = await this.#lock.update(this.#lease, desired(record), signal);
        this.#observe(now);
        return true;
      } catch (error) {
        if (signal.aborted) return false;
        if (!(error instanceof ApiError && error.statusCode === 409)) this.#report(error);
      }
    }

    let current: Lease;
    try {
      current = await this.#lock.get(signal);
    } catch (error) {
      if (signal.aborted) return false;
      if (!(error instanceof ApiError && error.statusCode === 404)) {
        this.#report(error);
        return false;
      }
      try {
        this.#lease = await this.#lock.create(desired(undefined), signal);
        this.#observe(now);
        return true;
      } catch (createError) {
        // 409 AlreadyExists: another replica created it first; we read it at the next attempt.
        if (!signal.aborted && !(createError instanceof ApiError && createError.statusCode === 409)) this.#report(createError);
        return false;
      }
    }

    const previousRecord = this.#lease ? readRecord(this.#lease) : undefined;
    this.#lease = current;
    const record = readRecord(current);
    if (!record || !previousRecord || !sameRecord(record, previousRecord)) this.#observe(now);
    else this.#reportLeader();
    if (record?.holderIdentity && record.holderIdentity !== this.identity && this.#observedAt + record.leaseDurationSeconds * 1000 > now)
      return false;
    try {
      this.#lease = await this.#lock.update(current, desired(record), signal);
      this.#observe(now);
      return true;
    } catch (error) {
      // 409: another replica wrote first (it won the race, or renewed).
      if (!signal.aborted && !(error instanceof ApiError && error.statusCode === 409)) this.#report(error);
      return false;
    }
  }

  /** Records that the Lease's content changed at `now` (our clock), and reports a new holder. */
  #observe(now: number): void {
    this.#observedAt = now;
    this.#reportLeader();
  }

  #reportLeader(): void {
    const holder = (this.#lease && readRecord(this.#lease)?.holderIdentity) || '';
    if (holder === this.#reportedLeader) return;
    this.#reportedLeader = holder;
    if (holder) this.#call(() => this.#options.onNewLeader?.(holder));
  }

  #heldByOther(): boolean {
    const holder = this.#lease ? readRecord(this.#lease)?.holderIdentity : undefined;
    return holder !== undefined && holder !== '' && holder !== this.identity;
  }

  #call(callback: (() => void) | undefined): void {
    try {
      callback?.();
    } catch (error) {
      this.#report(error);
    }
  }

  #report(error: unknown): void {
    try {
      this.#options.onError?.(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // An error handler that throws must not stop the election.
    }
  }
}
