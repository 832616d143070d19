#!/usr/bin/env node
// Profiles translateGatewayApi on the synthetic 10k cluster (issue 7: profile before
// optimizing). Run: node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile-translation.mjs [N] [cached]
// then: node bench/profile-translation.mjs --summary /tmp/prof/<file>.cpuprofile
import { readFileSync } from 'node:fs';

if (process.argv[2] === '--summary') {
  summarize(process.argv[3], Number(process.argv[4] ?? 25));
} else {
  const { translateGatewayApi, createGatewayTranslator } = await import('@kupstream/gateway');
  const { createCa, issue } = await import('@kupstream/test-pki');
  const { syntheticCluster } = await import('./synthetic-cluster.mjs');
  const n = Number(process.argv[2] ?? 10000);
  const mode = process.argv[3] ?? 'fresh';
  const ca = await createCa({ subject: 'CN=BenchCA' });
  const clientCert = await issue(ca, { subject: 'CN=BenchClient', extendedKeyUsage: ['clientAuth'] });
  const snapshot = syntheticCluster(n, { clientCert, caPem: ca.certPem });
  const options = { now: () => new Date('2026-06-01T00:00:00Z') };
  if (mode === 'fresh') {
    for (let i = 0; i < 4; i++) translateGatewayApi(snapshot, options);
  } else {
    const translator = createGatewayTranslator(options);
    translator.translate(snapshot);
    const changed = { ...snapshot, httpRoutes: [...snapshot.httpRoutes] };
    for (let i = 0; i < 8; i++) {
      const index = (i * 37) % changed.httpRoutes.length;
      const route = structuredClone(changed.httpRoutes[index]);
      route.metadata.resourceVersion = String(Number(route.metadata.resourceVersion) + 1 + i);
      route.spec.rules[0].backendRefs[0].weight = 5 + i;
      changed.httpRoutes[index] = route;
      translator.translate(changed);
    }
  }
}

/** Top functions by self time, with their source location. */
function summarize(file, top) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const self = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const us = dt.get(node.id) ?? 0;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
  }
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(`total ${(total / 1000).toFixed(0)} ms`);
  for (const [key, us] of rows) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
}
