// The agent reports running totals (handshakes, ejections, failed checks); a Prometheus
// counter advances by the difference since the last report. A smaller total means the
// agent's count was rebuilt (a pool, an upstream), so it counts from zero again.
import type { Counter, LabelValues } from 'prom-client';

export class RunningTotals {
  readonly #last = new Map<string, number>();

  /** Advances `counter` (with `labels`) by what `total` added since the last call for the same counter and labels. */
  advance<T extends string>(counter: Counter<T>, labels: LabelValues<T>, total: number): void {
    const key = `${(counter as unknown as { name: string }).name}\u0000${JSON.stringify(labels)}`;
    const before = this.#last.get(key) ?? 0;
    const delta = total >= before ? total - before : total;
    this.#last.set(key, total);
    if (delta > 0) counter.inc(labels, delta);
  }
}
