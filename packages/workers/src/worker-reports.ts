// What the primary's admin server sees of its workers: their traffic replayed as the
// proxy events the admin library listens to (so the request counters and the inspector's
// verification failures cover every worker), their request-log entries added to the one
// request log (each saying which worker served it), and their upstream pools summed. A
// worker that exited keeps its handshakes counted, so the handshake counters never go back.
import { EventEmitter } from 'node:events';
import type { PoolStats, ProxyResponseEvent, ProxyUpstreamErrorEvent, RequestEntry } from '@kupstream/admin';
import type { PoolReport, WorkerMessage } from './worker-messages.js';

interface ReplayEvents {
  response: [ProxyResponseEvent];
  upstreamError: [ProxyUpstreamErrorEvent];
}

export class WorkerReports extends EventEmitter<ReplayEvents> {
  readonly #retiredHandshakes = new Map<string, { full: number; resumed: number }>();

  /** One batch from worker `slot`: events for the metrics, entries for the request log. */
  replay(
    slot: number,
    batch: Extract<WorkerMessage, { type: 'traffic' }>,
    requestLog: { add(entry: RequestEntry): unknown } | undefined,
  ): void {
    for (const { count, ...event } of batch.responses) for (let i = 0; i < count; i++) this.emit('response', event);
    for (const { count, code, ...context } of batch.failures) {
      for (let i = 0; i < count; i++) this.emit('upstreamError', { ...context, error: { code } });
    }
    if (!requestLog) return;
    for (const { time, ...entry } of batch.requests) requestLog.add({ ...entry, time: new Date(time), worker: slot });
  }

  /** A worker exited: its last reported handshake totals stay in the sums. */
  retire(pools: readonly PoolReport[]): void {
    for (const p of pools) {
      if (!p.handshakes) continue;
      const total = this.#retiredHandshakes.get(p.upstream) ?? { full: 0, resumed: 0 };
      total.full += p.handshakes.full;
      total.resumed += p.handshakes.resumed;
      this.#retiredHandshakes.set(p.upstream, total);
    }
  }

  /** Connections summed over the live workers' latest reports; handshakes over every worker ever. */
  pools(reports: readonly { pools: readonly PoolReport[] }[]): PoolStats[] {
    const sums = new Map<string, PoolStats & { handshakes: { full: number; resumed: number } }>();
    const entry = (upstream: string) => {
      let sum = sums.get(upstream);
      if (!sum) {
        const retired = this.#retiredHandshakes.get(upstream);
        sum = { upstream, active: 0, idle: 0, handshakes: { full: retired?.full ?? 0, resumed: retired?.resumed ?? 0 } };
        sums.set(upstream, sum);
      }
      return sum;
    };
    for (const report of reports) {
      for (const p of report.pools) {
        const sum = entry(p.upstream);
        sum.active += p.active;
        sum.idle += p.idle;
        sum.handshakes.full += p.handshakes?.full ?? 0;
        sum.handshakes.resumed += p.handshakes?.resumed ?? 0;
      }
    }
    return [...sums.values()];
  }
}
