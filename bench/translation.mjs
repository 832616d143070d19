// Translation at scale (issue 7, suite 1). Every figure is a ratio against
// structuredClone of the same snapshot, measured in the same process and run.
import { performance } from 'node:perf_hooks';
import { translateGatewayApi } from '@kupstream/gateway';
import { createCa, issue } from '@kupstream/test-pki';
import { syntheticCluster } from './synthetic-cluster.mjs';

const RUNS = 5;
const NOW = () => new Date('2026-06-01T00:00:00Z');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(fn) {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

function measure(fn) {
  fn(); // warm-up
  fn();
  return median(Array.from({ length: RUNS }, () => time(fn).ms));
}

/** Runs the suite for each N; returns rows and the ratios the issue asks for. */
export async function translationSuite(sizes = [1000, 10000]) {
  const ca = await createCa({ subject: 'CN=BenchCA' });
  const clientCert = await issue(ca, { subject: 'CN=BenchClient', extendedKeyUsage: ['clientAuth'] });
  const rows = [];
  for (const n of sizes) {
    const snapshot = syntheticCluster(n, { clientCert, caPem: ca.certPem });
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const translateMs = measure(() => translateGatewayApi(snapshot, { now: NOW }));
    const cloneMs = measure(() => structuredClone(snapshot));
    const result = translateGatewayApi(snapshot, { now: NOW });
    const heapAfter = process.memoryUsage().heapUsed;

    // Incremental: one HTTPRoute replaced by a changed copy (new object, new resourceVersion).
    const changed = { ...snapshot, httpRoutes: [...snapshot.httpRoutes] };
    const incrementalMs = median(Array.from({ length: RUNS }, (_, i) => {
      const index = (i * 37) % changed.httpRoutes.length;
      const route = structuredClone(changed.httpRoutes[index]);
      route.metadata.resourceVersion = String(Number(route.metadata.resourceVersion) + 1 + i);
      route.spec.rules[0].backendRefs[0].weight = 5 + i;
      changed.httpRoutes[index] = route;
      return time(() => translateGatewayApi(changed, { now: NOW })).ms;
    }));
    rows.push({
      n,
      objects: Object.values(snapshot).reduce((sum, list) => sum + list.length, 0),
      endpoints: result.endpoints.length,
      upstreams: result.upstreams.length,
      translateMs,
      cloneMs,
      incrementalMs,
      heapMiB: (heapAfter - heapBefore) / 2 ** 20,
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
  };
}
