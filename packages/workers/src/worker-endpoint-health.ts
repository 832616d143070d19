// Endpoint health across `serve --workers N`: each worker's proxy checks and ejects on its
// own, and the primary's admin server shows one view. Running counts (ejections,
// readmissions, overflows, checks) are summed over every worker, those of exited workers
// kept so the counters never go back; an endpoint is out when any worker has it out, its
// last check is the latest any worker made, and its requests in flight are summed.
import type { EndpointFacts, TrafficFacts } from '@kupstream/admin';

type Counts = Pick<TrafficFacts, 'overflows' | 'ejections'> & {
  readmissions: number;
  healthChecks?: { passed: number; failed: Record<string, number> };
};

export class WorkerEndpointHealth {
  readonly #retired = new Map<string, Counts>();

  /** A worker exited: its last reported counts stay in the sums. */
  retire(traffic: readonly TrafficFacts[]): void {
    for (const t of traffic) addCounts(this.#counts(this.#retired, t.upstream), t);
  }

  /** One view over the live workers' latest reports. */
  merge(reports: readonly { traffic: readonly TrafficFacts[] }[]): TrafficFacts[] {
    const counts = new Map<string, Counts>();
    const endpoints = new Map<string, Map<string, EndpointFacts>>();
    const known = new Set<string>();
    for (const report of reports) {
      for (const t of report.traffic) {
        known.add(t.upstream);
        addCounts(this.#counts(counts, t.upstream), t);
        if (!t.endpoints) continue;
        let merged = endpoints.get(t.upstream);
        if (!merged) endpoints.set(t.upstream, (merged = new Map()));
        for (const e of t.endpoints) {
          const key = `${e.address}|${e.port}`;
          const before = merged.get(key);
          merged.set(key, before ? mergeEndpoint(before, e) : { ...e });
        }
      }
    }
    return [...known].map((upstream) => {
      const sum = this.#counts(counts, upstream);
      const retired = this.#retired.get(upstream);
      if (retired) addCounts(sum, retired);
      const list = endpoints.get(upstream);
      return { upstream, ...(list ? { endpoints: [...list.values()] } : {}), ...sum };
    });
  }

  #counts(map: Map<string, Counts>, upstream: string): Counts {
    let c = map.get(upstream);
    if (!c) map.set(upstream, (c = { overflows: 0, ejections: 0, readmissions: 0 }));
    return c;
  }
}

function addCounts(into: Counts, from: Pick<TrafficFacts, 'overflows' | 'ejections' | 'readmissions' | 'healthChecks'>): void {
  into.overflows += from.overflows;
  into.ejections += from.ejections;
  into.readmissions += from.readmissions ?? 0;
  if (!from.healthChecks) return;
  into.healthChecks ??= { passed: 0, failed: {} };
  into.healthChecks.passed += from.healthChecks.passed;
  for (const [code, n] of Object.entries(from.healthChecks.failed))
    into.healthChecks.failed[code] = (into.healthChecks.failed[code] ?? 0) + n;
}

function mergeEndpoint(a: EndpointFacts, b: EndpointFacts): EndpointFacts {
  const healthy = a.healthy === false || b.healthy === false ? false : (a.healthy ?? b.healthy);
  const until = [a.ejectedUntil, b.ejectedUntil]
    .filter((t): t is string => t !== undefined)
    .sort()
    .pop();
  const lastCheck = !a.lastCheck ? b.lastCheck : !b.lastCheck ? a.lastCheck : a.lastCheck.at >= b.lastCheck.at ? a.lastCheck : b.lastCheck;
  return {
    ...a,
    ejected: a.ejected || b.ejected,
    ...(until ? { ejectedUntil: until } : {}),
    ...(healthy !== undefined ? { healthy } : {}),
    ...(a.heldIn || b.heldIn ? { heldIn: true } : {}),
    ...(lastCheck ? { lastCheck } : {}),
    ...(a.inFlight !== undefined || b.inFlight !== undefined ? { inFlight: (a.inFlight ?? 0) + (b.inFlight ?? 0) } : {}),
  };
}
