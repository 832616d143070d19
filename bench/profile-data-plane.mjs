#!/usr/bin/env node
// Profiles `kupstream serve` under one data-plane scenario (issue 7: profile before
// optimizing): the same upstream and manifests as the suite, the CLI under --cpu-prof,
// a warm-up, then wrk; prints where the proxy's CPU went.
//   node bench/profile-data-plane.mjs [keepalive|close|bulk|c256] [seconds=10] [top=30]
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSeedPki } from '@kupstream/test-pki';
import { summarizeProfile } from './cpuprofile-summary.mjs';
import { SCENARIOS } from './data-plane.mjs';
import { HOSTNAME, SERVICE, startKupstream } from './kupstream-proxy.mjs';
import { startMtlsUpstream } from './mtls-upstream.mjs';
import { tempDir, withCleanup } from './processes.mjs';
import { cpuTimes } from './proc-stats.mjs';
import { ensureDebianTools } from './system-tools.mjs';
import { wrk } from './wrk.mjs';

const [id = 'keepalive', seconds = '10', top = '30'] = process.argv.slice(2);
const scenario = SCENARIOS.find((s) => s.id === id);
if (!scenario) throw new Error(`unknown scenario ${id}: ${SCENARIOS.map((s) => s.id).join(', ')}`);
ensureDebianTools();
await withCleanup(async () => {
  const pki = await createSeedPki({ serverNames: [SERVICE.split(':')[0]] });
  const upstream = await startMtlsUpstream({
    serverCertPem: pki.server.certPem,
    serverKeyPem: pki.server.keyPem,
    clientCaPem: pki.ca.certPem,
  });
  const cpuProfDir = await tempDir('kupstream-bench-prof-');
  const proxy = await startKupstream({ client: pki.client, caPem: pki.ca.certPem, upstreamPort: upstream.port, cpuProfDir });
  try {
    await wrk({
      port: proxy.port,
      path: scenario.path,
      host: HOSTNAME,
      connections: scenario.connections,
      seconds: 3,
      close: scenario.close,
    });
    const before = cpuTimes(proxy.pid);
    const run = await wrk({
      port: proxy.port,
      path: scenario.path,
      host: HOSTNAME,
      connections: scenario.connections,
      seconds: Number(seconds),
      close: scenario.close,
    });
    const after = cpuTimes(proxy.pid);
    const user = after.user - before.user;
    const used = user + after.system - before.system;
    console.log(
      `${scenario.label}: ${(run.requests / run.seconds).toFixed(0)} req/s, ${(run.bytes / run.seconds / 1e6).toFixed(1)} MB/s, ${((used * 1e6) / run.requests).toFixed(0)} µs CPU/request (${((user / used) * 100).toFixed(0)} % user; under the profiler), errors ${run.errors + run.statusErrors}`,
    );
  } finally {
    await proxy.stop();
    await upstream.stop();
  }
  const file = readdirSync(cpuProfDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('kupstream serve wrote no .cpuprofile');
  const summary = summarizeProfile(join(cpuProfDir, file), Number(top));
  console.log(`\nself time by function (whole process lifetime, ${summary.totalMs.toFixed(0)} ms sampled):`);
  for (const f of summary.functions) console.log(`${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}  ${f.where}`);
  console.log('\nself time by file:');
  for (const f of summary.files) console.log(`${(f.share * 100).toFixed(1).padStart(5)} %  ${f.file}`);
});
