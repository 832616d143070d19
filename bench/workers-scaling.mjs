// `kupstream serve --workers N` scaling: keep-alive requests per second through
// `--workers 2` over `--workers 1`, both in front of the same mutual-TLS upstream, loaded by
// wrk on loopback in alternating runs. CPU is counted over the whole process tree (the
// primary and its workers). The machine is shared with wrk and the upstream, so the ratio is
// what one more worker buys *here*; the CPU share column says how much of the machine the
// proxy got.
//
//   import { workersScalingSuite, formatWorkersScaling } from './workers-scaling.mjs';
//   console.log(formatWorkersScaling(await workersScalingSuite({ seconds: 5, rounds: 3 })).join('\n'));
//
// Standalone: node bench/workers-scaling.mjs [--seconds 5] [--rounds 3]
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createSeedPki } from '@kupstream/test-pki';
import { checkProxy, median } from './data-plane.mjs';
import { HOSTNAME, SERVICE, startKupstream } from './kupstream-proxy.mjs';
import { startMtlsUpstream } from './mtls-upstream.mjs';
import { withCleanup } from './processes.mjs';
import { cpuTimes } from './proc-stats.mjs';
import { ensureDebianTools } from './system-tools.mjs';
import { wrk } from './wrk.mjs';

export const WORKER_COUNTS = [1, 2];
const CONNECTIONS = 64;

/** The process and its descendants (serve's workers are its children). */
function processTree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let children = '';
    try {
      children = readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8');
    } catch {
      // Gone, or no children file: nothing below it.
    }
    for (const child of children.trim().split(/\s+/).filter(Boolean)) out.push(Number(child));
  }
  return out;
}

function treeCpuSeconds(pid) {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const { user, system } = cpuTimes(p);
      total += user + system;
    } catch {
      // Exited between the listing and the read.
    }
  }
  return total;
}

async function measure(proxy, seconds) {
  const before = treeCpuSeconds(proxy.pid);
  const run = await wrk({ port: proxy.port, path: '/small', host: HOSTNAME, connections: CONNECTIONS, seconds });
  const cpu = treeCpuSeconds(proxy.pid) - before;
  return {
    requestsPerSecond: run.requests / run.seconds,
    p99Ms: run.p99Ms,
    cpuUsPerRequest: run.requests ? (cpu * 1e6) / run.requests : NaN,
    cpuShare: cpu / run.seconds,
    errors: run.errors + run.statusErrors,
  };
}

/**
 * @param {{ seconds?: number, rounds?: number, log?: (line: string) => void }} [options]
 */
export async function workersScalingSuite(options = {}) {
  const { seconds = 5, rounds = 3, log = (line) => console.error(line) } = options;
  ensureDebianTools({ log });
  return withCleanup(async () => {
    const pki = await createSeedPki({ serverNames: [SERVICE.split(':')[0]] });
    const upstream = await startMtlsUpstream({
      serverCertPem: pki.server.certPem,
      serverKeyPem: pki.server.keyPem,
      clientCaPem: pki.ca.certPem,
    });
    const proxies = {};
    try {
      for (const n of WORKER_COUNTS)
        proxies[n] = await startKupstream({
          client: pki.client,
          caPem: pki.ca.certPem,
          upstreamPort: upstream.port,
          args: ['--workers', String(n)],
        });
      for (const n of WORKER_COUNTS) await checkProxy(`--workers ${n}`, proxies[n].port);
      log(
        `workers scaling: ${WORKER_COUNTS.map((n) => `--workers ${n} :${proxies[n].port}`).join(', ')}; ${rounds} rounds of ${seconds} s, ${CONNECTIONS} keep-alive connections`,
      );
      // Warm-up: JIT, pools and TLS sessions in every worker.
      for (const n of WORKER_COUNTS)
        await wrk({ port: proxies[n].port, path: '/small', host: HOSTNAME, connections: CONNECTIONS, seconds: 5 });
      const runs = Object.fromEntries(WORKER_COUNTS.map((n) => [n, []]));
      const ratios = [];
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 ? [...WORKER_COUNTS].reverse() : WORKER_COUNTS;
        const inRound = {};
        for (const n of order) {
          const r = await measure(proxies[n], seconds);
          runs[n].push(r);
          inRound[n] = r;
          log(
            `  round ${round + 1} --workers ${n} ${r.requestsPerSecond.toFixed(0).padStart(6)} req/s p99 ${r.p99Ms.toFixed(2)} ms cpu ${r.cpuUsPerRequest.toFixed(0)} µs/req, ${(r.cpuShare * 100).toFixed(0)} % of a core${r.errors ? ` errors ${r.errors}` : ''}`,
          );
        }
        ratios.push(inRound[2].requestsPerSecond / inRound[1].requestsPerSecond);
      }
      const rows = WORKER_COUNTS.map((n) => ({
        workers: n,
        requestsPerSecond: median(runs[n].map((r) => r.requestsPerSecond)),
        p99Ms: median(runs[n].map((r) => r.p99Ms)),
        cpuUsPerRequest: median(runs[n].map((r) => r.cpuUsPerRequest)),
        cpuShare: median(runs[n].map((r) => r.cpuShare)),
        errors: runs[n].reduce((sum, r) => sum + r.errors, 0),
      }));
      return {
        seconds,
        rounds,
        cpus: availableParallelism(),
        rows,
        ratio: median(ratios),
        ratioRange: [Math.min(...ratios), Math.max(...ratios)],
      };
    } finally {
      await Promise.all([...Object.values(proxies).map((p) => p.stop()), upstream.stop()]);
    }
  });
}

export function formatWorkersScaling(result) {
  const fmt = (x, digits = 2) => Number(x).toFixed(digits);
  return [
    `Keep-alive, ${CONNECTIONS} connections, \`GET /small\` through \`kupstream serve --workers N\` to the mTLS upstream; ${result.rounds} alternating rounds of ${result.seconds} s on ${result.cpus} CPUs shared with wrk and the upstream (nginx, 2 workers). CPU counts the primary and its workers.`,
    '',
    '| --workers | req/s (median) | p99 ms | CPU µs/request | CPU (cores) | errors |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...result.rows.map(
      (r) =>
        `| ${r.workers} | ${fmt(r.requestsPerSecond, 0)} | ${fmt(r.p99Ms)} | ${fmt(r.cpuUsPerRequest, 0)} | ${fmt(r.cpuShare)} | ${r.errors} |`,
    ),
    '',
    `- scaling 1 → 2 workers (keep-alive req/s, median of the per-round ratios): **${fmt(result.ratio)}×** (range ${fmt(result.ratioRange[0])}–${fmt(result.ratioRange[1])})`,
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, rounds: { type: 'string' } } });
  const result = await workersScalingSuite({
    seconds: values.seconds ? Number(values.seconds) : undefined,
    rounds: values.rounds ? Number(values.rounds) : undefined,
  });
  console.log(formatWorkersScaling(result).join('\n'));
}
