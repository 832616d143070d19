// Translation at scale (issue 7, suite 1). Every figure is a ratio against
// structuredClone of the same snapshot, measured in the same process and run, the two
// alternating so that load on the shared machine falls on both alike.
import { performance } from 'node:perf_hooks';
import { createGatewayTranslator, translateGatewayApi } from '@kupstream/gateway';
import { toStableJson } from '@kupstream/core';
import { createCa, issue } from '@kupstream/test-pki';
import { syntheticCluster } from './synthetic-cluster.mjs';

const RUNS = 5;
const WARMUP = 2;
const INCREMENTAL_WARMUP = 5;
const INCREMENTAL_RUNS = 9;
const NOW_DATE = new Date('2026-06-01T00:00:00Z');
const NOW = () => NOW_DATE;
const DAY = 86_400_000;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** One timed call; collected garbage of earlier runs is not charged to it. */
function time(fn) {
  global.gc?.();
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

/** Warm-up, then RUNS alternating rounds of every function; the median of each. */
function measureAlternating(fns) {
  for (let i = 0; i < WARMUP; i++) for (const fn of fns) fn();
  const samples = fns.map(() => []);
  for (let i = 0; i < RUNS; i++) fns.forEach((fn, k) => samples[k].push(time(fn).ms));
  return samples.map((s) => ({ median: median(s), min: Math.min(...s), max: Math.max(...s) }));
}

/** One HTTPRoute replaced by a changed copy: a new object with a new resourceVersion, as a watch delivers it. */
export function changeOneRoute(snapshot, i) {
  const httpRoutes = [...snapshot.httpRoutes];
  const index = (i * 37) % httpRoutes.length;
  const route = structuredClone(httpRoutes[index]);
  route.metadata.resourceVersion = String(Number(route.metadata.resourceVersion) + 1 + i);
  route.spec.rules[0].backendRefs[0].weight = 5 + i;
  httpRoutes[index] = route;
  return { ...snapshot, httpRoutes };
}

/**
 * A translator whose clock advances 1 s per `tick()`, primed with `snapshot` after its statuses
 * were written back to the routes (as a controller does, so conditions hold their times).
 */
function movingClock(snapshot) {
  let now = NOW_DATE.getTime() + 3_600_000;
  const options = { now: () => new Date(now) };
  const first = translateGatewayApi(snapshot, { now: NOW });
  const byKey = new Map(first.statuses.filter((s) => s.kind === 'HTTPRoute').map((s) => [`${s.namespace}/${s.name}`, s.status]));
  const httpRoutes = snapshot.httpRoutes.map((route) => {
    const status = byKey.get(`${route.metadata.namespace}/${route.metadata.name}`);
    return status ? { ...route, status } : route;
  });
  const written = { ...snapshot, httpRoutes };
  const translator = createGatewayTranslator(options);
  translator.translate(written);
  return { translator, options, snapshot: written, tick: () => void (now += 1000) };
}

/** A CA and one client certificate per Gateway, all valid at NOW (so the work is that of valid material). */
export async function benchPki(maxN) {
  const validity = { notBefore: new Date(NOW_DATE.getTime() - DAY), notAfter: new Date(NOW_DATE.getTime() + 365 * DAY) };
  const ca = await createCa({ subject: 'CN=BenchCA', ...validity });
  const gateways = Math.max(1, Math.floor(maxN / 100));
  const clientCerts = await Promise.all(
    Array.from({ length: gateways }, (_, g) => issue(ca, { subject: `CN=BenchClient${g}`, extendedKeyUsage: ['clientAuth'], ...validity })),
  );
  return { clientCerts, caPem: ca.certPem, now: NOW };
}

/** Runs the suite for each N; returns rows and the ratios the issue asks for. */
export async function translationSuite(sizes = [1000, 10000]) {
  const { clientCerts, caPem } = await benchPki(Math.max(...sizes));
  const rows = [];
  for (const n of sizes) {
    const snapshot = syntheticCluster(n, { clientCerts, caPem });
    const options = { now: NOW };
    const [translate, clone] = measureAlternating([() => translateGatewayApi(snapshot, options), () => structuredClone(snapshot)]);

    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const result = translateGatewayApi(snapshot, options);
    // Peak heap of a translation: what the heap holds when it returns, garbage included (only
    // young-generation collections ran), above what it held before. A lower bound of the peak.
    const peakHeapMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    global.gc?.();
    const resultMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

    // Incremental: a translator the host keeps, primed with the cluster, then one HTTPRoute
    // changed per call. The per-call path runs its code once per call, not once per route, so
    // it is warmed up over a few calls first (a controller's steady state), then timed.
    const translator = createGatewayTranslator(options);
    let current = snapshot;
    translator.translate(current);
    let change = 1000;
    for (let i = 0; i < INCREMENTAL_WARMUP; i++) translator.translate((current = changeOneRoute(current, change++)));
    const incremental = [];
    for (let i = 0; i < INCREMENTAL_RUNS; i++) {
      const next = (current = changeOneRoute(current, change++));
      incremental.push(time(() => translator.translate(next)).ms);
    }
    // Not timed: the reused result must be the fresh one, byte for byte.
    if (toStableJson(translator.translate(current)) !== toStableJson(translateGatewayApi(current, options))) {
      throw new Error(`N=${n}: the incremental translation differs from a fresh one`);
    }
    // A controller's clock moves between watch events. Its statuses were written back, so their
    // conditions keep their transition times and do not depend on the clock.
    const ticking = movingClock(current);
    const ticked = [];
    for (let i = 0; i < INCREMENTAL_WARMUP + INCREMENTAL_RUNS; i++) {
      const next = (current = changeOneRoute(ticking.snapshot, change++));
      ticking.snapshot = next;
      ticking.tick();
      const ms = time(() => ticking.translator.translate(next)).ms;
      if (i >= INCREMENTAL_WARMUP) ticked.push(ms);
    }
    if (toStableJson(ticking.translator.translate(current)) !== toStableJson(translateGatewayApi(current, ticking.options))) {
      throw new Error(`N=${n}: the incremental translation on a moving clock differs from a fresh one`);
    }
    rows.push({
      n,
      objects: Object.values(snapshot).reduce((sum, list) => sum + list.length, 0),
      endpoints: result.endpoints.length,
      upstreams: result.upstreams.length,
      diagnostics: result.diagnostics.length,
      translateMs: translate.median,
      translateSpread: [translate.min, translate.max],
      cloneMs: clone.median,
      cloneSpread: [clone.min, clone.max],
      incrementalMs: median(incremental),
      incrementalSpread: [Math.min(...incremental), Math.max(...incremental)],
      tickingMs: median(ticked),
      heapMiB: resultMiB,
      peakHeapMiB,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    });
  }
  const small = rows[0];
  const large = rows.at(-1);
  return {
    rows,
    cost: large.translateMs / large.cloneMs,
    scale: large.translateMs / small.translateMs,
    cloneScale: large.cloneMs / small.cloneMs,
    incrementalSpeedup: large.translateMs / large.incrementalMs,
    tickingSpeedup: large.translateMs / large.tickingMs,
  };
}
