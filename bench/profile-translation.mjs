#!/usr/bin/env node
// Profiles the translation of the bench's synthetic cluster (issue 7: profile before optimizing).
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile-translation.mjs [N=10000] [fresh|cached]
// fresh: 4 calls of translateGatewayApi; cached: a createGatewayTranslator() primed with the
// cluster, then 30 calls with one HTTPRoute changed each. Then the top functions by self time:
//   node bench/profile-translation.mjs --summary /tmp/prof/<file>.cpuprofile [top=25]
import { readFileSync } from 'node:fs';

if (process.argv[2] === '--summary') {
  summarize(process.argv[3], Number(process.argv[4] ?? 25));
} else {
  const { translateGatewayApi, createGatewayTranslator } = await import('@kupstream/gateway');
  const { syntheticCluster } = await import('./synthetic-cluster.mjs');
  const { benchPki, changeOneRoute } = await import('./translation.mjs');
  const n = Number(process.argv[2] ?? 10000);
  const mode = process.argv[3] ?? 'fresh';
  const { clientCerts, caPem, now } = await benchPki(n);
  const snapshot = syntheticCluster(n, { clientCerts, caPem });
  const options = { now };
  if (mode === 'fresh') {
    for (let i = 0; i < 4; i++) translateGatewayApi(snapshot, options);
  } else {
    const translator = createGatewayTranslator(options);
    translator.translate(snapshot);
    let current = snapshot;
    for (let i = 0; i < 30; i++) translator.translate((current = changeOneRoute(current, i)));
  }
}

/** Top functions by self time, with their source location. */
function summarize(file, top) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++)
    dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
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
  for (const [key, us] of rows)
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
}
