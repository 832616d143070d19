// Set-up for the leader-election tests: a test API server on which the elector calls
// as its own user, a manual clock, and a way to wait until every API call has settled.
//
// The elector runs as kupstream's ServiceAccount in a real cluster, where the Lease
// grants come from a namespaced Role. Here it authenticates with a token of its own so
// rbac.test.ts keeps checking the host's calls against the ClusterRole alone, and
// lease-role.test.ts checks these calls against deploy/role-leases.yaml.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { createKubeApi, loadKubeConfig, type ElectionClock, type KubeApi } from '../src/index.js';
import { ADMIN_TOKEN, FakeApiServer, HOST_TOKEN, HOST_USER } from '@kupstream/fake-kube-api';

export const LEASE_TOKEN = 'kupstream-lease-token';
export const LEASE_USER = 'kupstream-leader-election';
/** kupstream's own namespace in deploy/. */
export const LEASE_NAMESPACE = 'kupstream';

export interface LeaseCluster {
  server: FakeApiServer;
  kubeConfig: KubeConfig;
  /** A KubeApi whose calls are counted, so `settled()` can wait for them. */
  api: KubeApi;
  /** Resolves once no API call of `api` is in flight (and the code awaiting them has run). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startLeaseCluster(): Promise<LeaseCluster> {
  const server = await FakeApiServer.start({ users: { [HOST_TOKEN]: HOST_USER, [ADMIN_TOKEN]: 'test-admin', [LEASE_TOKEN]: LEASE_USER } });
  const dir = mkdtempSync(join(tmpdir(), 'kupstream-lease-'));
  const path = join(dir, 'kubeconfig.yaml');
  writeFileSync(path, server.kubeconfig({ token: LEASE_TOKEN, namespace: LEASE_NAMESPACE }));
  const kubeConfig = loadKubeConfig(path);
  const inner = createKubeApi(kubeConfig);
  let inFlight = 0;
  const api: KubeApi = {
    server: inner.server,
    request(method, requestPath, options) {
      inFlight++;
      return inner.request(method, requestPath, options).finally(() => inFlight--);
    },
    watch: (...args) => inner.watch(...args),
  };
  return {
    server,
    kubeConfig,
    api,
    async settled() {
      // A macrotask turn drains the microtasks, in which an elector starts its next call.
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        if (inFlight === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

/** Time that moves only when told to; timers fire in order, each instant after the API calls before it settled. */
export class ManualClock implements ElectionClock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];

  constructor(start = Date.UTC(2026, 5, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  schedule(callback: () => void, ms: number): () => void {
    const timer: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves the clock `ms` forward, firing every timer due on the way; all timers due at one instant fire together. */
  async advance(ms: number, settled: () => Promise<void>): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await settled();
      const next = Math.min(...this.#timers.filter((t) => t.at <= end).map((t) => t.at));
      if (!Number.isFinite(next)) break;
      this.#now = next;
      const due = this.#timers.filter((t) => t.at === next).sort((a, b) => a.seq - b.seq);
      this.#timers = this.#timers.filter((t) => t.at !== next);
      for (const timer of due) timer.callback();
    }
    this.#now = end;
  }
}
