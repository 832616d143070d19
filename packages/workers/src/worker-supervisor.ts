// The primary's side of N worker processes (`kupstream serve --workers N`): forks them (node:cluster; they
// share the listening ports), sends each its configuration and the latest model, replaces a
// worker that exits (after a delay that doubles while replacements keep exiting), and drains
// them all on stop. Startup is over when every worker listens; a worker that cannot bind
// (address in use) fails it with that worker's message.
import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import type { TrafficFacts, WorkerView } from '@kupstream/admin';
import type { ModelTransfer } from './model-transfer.js';
import { WORKER_DEFAULTS } from './worker-defaults.js';
import { isWorkerMessage, type PoolReport, type WorkerMessage } from './worker-messages.js';

/** Where the supervisor says what happened to its workers (replacements, kills). */
export interface SupervisorLog {
  line(text: string): void;
  warn(text: string): void;
}

/** A worker could not start serving (its listen address is in use, ...): the worker's own message. */
export class WorkerStartupError extends Error {
  override readonly name = 'WorkerStartupError';
}

export interface SupervisorOptions<C extends object> {
  count: number;
  /** The worker bundle (`kupstream serve`: dist/serve-worker.js). */
  exec: string;
  /** Sent to each worker first, with its slot. */
  config: C;
  log: SupervisorLog;
  /** A line a worker would print on stdout (each worker binds the same L4 listeners). */
  onAnnounce?: (line: string) => void;
  onTraffic?: (slot: number, message: Extract<WorkerMessage, { type: 'traffic' }>) => void;
  /** Slots, processes or their states changed. */
  onChange?: (workers: WorkerView[]) => void;
  /** A worker's last pool report before it exited (its handshake counts stay counted). */
  onRetired?: (slot: number, pools: readonly PoolReport[], traffic: readonly TrafficFacts[]) => void;
  /** A worker sent its stats (pools and traffic). */
  onStats?: (slot: number) => void;
  backoff?: { minMs: number; maxMs: number; stableAfterMs: number };
}

interface Slot {
  slot: number;
  worker: Worker | undefined;
  pid: number;
  state: WorkerView['state'];
  restarts: number;
  startedAt: Date;
  /** Replacements in a row that exited before they served stableAfterMs. */
  quickExits: number;
  replaceTimer: NodeJS.Timeout | undefined;
  pools: PoolReport[];
  traffic: TrafficFacts[];
  addresses: AddressInfo[];
  cut: boolean;
  /** The worker said it is ready and got its configuration (models go only to configured workers). */
  configured: boolean;
}

type Urls = { listen: string; gatewayPorts: { port: number; address: string }[] };

export class WorkerSupervisor<C extends object = object> {
  readonly #options: SupervisorOptions<C>;
  readonly #slots: Slot[] = [];
  #model: ModelTransfer | undefined;
  #stopping = false;
  #started = false;
  #urls: Urls | undefined;
  #startup: { resolve: (urls: Urls) => void; reject: (error: Error) => void } | undefined;
  readonly #listening: Promise<Urls>;
  readonly #exited = new Set<() => void>();
  /** A second signal makes the primary exit at once: no worker may outlive it. */
  readonly #killAll = () => {
    for (const s of this.#slots) s.worker?.process.kill('SIGKILL');
  };

  constructor(options: SupervisorOptions<C>) {
    this.#options = options;
    this.#listening = new Promise<Urls>((resolve, reject) => (this.#startup = { resolve, reject }));
    // Observed by whoever awaits listening(); never an unhandled rejection on its own.
    this.#listening.catch(() => undefined);
  }

  /** Forks every worker; they listen once they have a model. */
  start(): void {
    // The primary hands out connections in turn (the default on Linux; NODE_CLUSTER_SCHED_POLICY=none leaves it to the kernel).
    cluster.setupPrimary({ exec: this.#options.exec, args: [], silent: false });
    process.on('exit', this.#killAll);
    for (let slot = 1; slot <= this.#options.count; slot++) {
      const entry: Slot = {
        slot,
        worker: undefined,
        pid: 0,
        state: 'starting',
        restarts: 0,
        startedAt: new Date(),
        quickExits: 0,
        replaceTimer: undefined,
        pools: [],
        traffic: [],
        addresses: [],
        cut: false,
        configured: false,
      };
      this.#slots.push(entry);
      this.#fork(entry);
    }
  }

  /** Resolves when every worker listens (with the addresses the first one bound); rejects when one cannot. */
  listening(): Promise<Urls> {
    return this.#listening;
  }

  /** The model every worker serves from now on (and each replacement starts with). */
  broadcast(model: ModelTransfer): void {
    this.#model = model;
    for (const s of this.#slots) if (s.worker && s.configured && s.state !== 'stopping') this.#send(s.worker, { type: 'model', model });
  }

  views(): WorkerView[] {
    return this.#slots.map((s) => ({
      slot: s.slot,
      pid: s.pid,
      state: s.state,
      restarts: s.restarts,
      startedAt: s.startedAt.toISOString(),
    }));
  }

  /** Every worker's latest pool report, by slot (with --admin). */
  pools(): { slot: number; pools: readonly PoolReport[] }[] {
    return this.#slots.filter((s) => s.worker).map((s) => ({ slot: s.slot, pools: s.pools }));
  }

  /** Every worker's latest traffic report (endpoints and their health), by slot (with --admin). */
  traffic(): { slot: number; traffic: readonly TrafficFacts[] }[] {
    return this.#slots.filter((s) => s.worker).map((s) => ({ slot: s.slot, traffic: s.traffic }));
  }

  /** What the workers bound (the prober never dials them). */
  addresses(): AddressInfo[] {
    return this.#slots.flatMap((s) => s.addresses);
  }

  /**
   * Tells every worker to drain (stop accepting, finish requests in flight for at most
   * `timeoutMs`) and waits for them to exit; one that does not is killed after a grace period.
   */
  async stop(timeoutMs: number): Promise<{ cut: boolean }> {
    this.#stopping = true;
    this.#startup?.reject(new Error('stopped'));
    for (const s of this.#slots) {
      clearTimeout(s.replaceTimer);
      if (!s.worker) continue;
      s.state = 'stopping';
      // One not ready yet gets it when it says it is (a message before that would be lost).
      if (s.configured) this.#send(s.worker, { type: 'drain' });
    }
    this.#changed();
    const running = () => this.#slots.some((s) => s.worker);
    if (running()) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        const check = () => {
          if (running()) return;
          this.#exited.delete(check);
          resolve();
        };
        this.#exited.add(check);
        timer = setTimeout(() => {
          for (const s of this.#slots) {
            if (!s.worker) continue;
            this.#options.log.warn(`worker ${s.slot} (pid ${s.pid}) did not exit after draining: killed`);
            s.cut = true;
            s.worker.process.kill('SIGKILL');
          }
        }, timeoutMs + WORKER_DEFAULTS.exitGraceMs);
      });
      clearTimeout(timer);
    }
    process.off('exit', this.#killAll);
    return { cut: this.#slots.some((s) => s.cut) };
  }

  #fork(entry: Slot): void {
    const worker = cluster.fork();
    entry.worker = worker;
    entry.pid = worker.process.pid ?? 0;
    entry.state = 'starting';
    entry.startedAt = new Date();
    entry.pools = [];
    entry.addresses = [];
    entry.configured = false;
    worker.on('message', (message: unknown) => {
      if (isWorkerMessage(message)) this.#onMessage(entry, message);
    });
    // A channel error (the worker died mid-send) is followed by its 'exit'.
    worker.on('error', () => undefined);
    worker.once('exit', (code, signal) => this.#onExit(entry, worker, code, signal));
    this.#changed();
  }

  #onMessage(entry: Slot, message: WorkerMessage): void {
    switch (message.type) {
      case 'ready': {
        if (!entry.worker || entry.configured) return;
        entry.configured = true;
        // Stopping before the worker could hear it: it only needs to go.
        if (this.#stopping) return this.#send(entry.worker, { type: 'drain' });
        this.#send(entry.worker, { type: 'config', config: { ...this.#options.config, slot: entry.slot } });
        if (this.#model) this.#send(entry.worker, { type: 'model', model: this.#model });
        return;
      }
      case 'listening': {
        if (this.#stopping) return;
        entry.state = 'serving';
        this.#urls ??= { listen: message.listen, gatewayPorts: message.gatewayPorts };
        if (entry.restarts > 0) this.#options.log.line(`worker ${entry.slot} (pid ${entry.pid}) serving again`);
        this.#changed();
        if (!this.#started && this.#slots.every((s) => s.state === 'serving')) {
          this.#started = true;
          this.#startup?.resolve(this.#urls);
        }
        return;
      }
      case 'startup-failed':
        if (!this.#started) this.#startup?.reject(new WorkerStartupError(message.message));
        else this.#options.log.warn(`worker ${entry.slot}: ${message.message}`);
        return;
      case 'addresses':
        entry.addresses = message.addresses;
        return;
      case 'announce':
        this.#options.onAnnounce?.(message.line);
        return;
      case 'traffic':
        this.#options.onTraffic?.(entry.slot, message);
        return;
      case 'stats':
        entry.pools = message.pools;
        entry.traffic = message.traffic ?? [];
        this.#options.onStats?.(entry.slot);
        return;
      case 'drained':
        if (message.cut) entry.cut = true;
        return;
    }
  }

  #onExit(entry: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (entry.worker !== worker) return;
    entry.worker = undefined;
    this.#options.onRetired?.(entry.slot, entry.pools, entry.traffic);
    entry.pools = [];
    entry.traffic = [];
    entry.addresses = [];
    for (const check of [...this.#exited]) check();
    if (this.#stopping) return;
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    const listened = entry.state === 'serving';
    entry.state = 'exited';
    this.#changed();
    if (!this.#started && !listened) {
      // Before every worker listens, an exit is a failure to start, not something to retry.
      this.#startup?.reject(new Error(`worker ${entry.slot} (pid ${entry.pid}) exited before it listened (${how})`));
      return;
    }
    const backoff = this.#options.backoff ?? {
      minMs: WORKER_DEFAULTS.restartBackoffMinMs,
      maxMs: WORKER_DEFAULTS.restartBackoffMaxMs,
      stableAfterMs: WORKER_DEFAULTS.stableAfterMs,
    };
    const served = Date.now() - entry.startedAt.getTime();
    entry.quickExits = served >= backoff.stableAfterMs ? 0 : entry.quickExits + 1;
    const delay = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.max(0, entry.quickExits - 1));
    this.#options.log.warn(`worker ${entry.slot} (pid ${entry.pid}) exited (${how}); starting a replacement in ${delay} ms`);
    entry.replaceTimer = setTimeout(() => {
      entry.replaceTimer = undefined;
      if (this.#stopping) return;
      entry.restarts++;
      this.#fork(entry);
    }, delay);
  }

  #send(worker: Worker, message: Parameters<NonNullable<typeof process.send>>[0]): void {
    if (!worker.isConnected()) return;
    // A worker dying between the check and the write: its 'exit' follows.
    worker.send(message, undefined, () => undefined);
  }

  #changed(): void {
    this.#options.onChange?.(this.views());
  }
}
