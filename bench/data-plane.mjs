// The data plane: `kupstream serve` (proxy A) against Debian's nginx (proxy B, the
// reference) and the Node proxies an embedding user would otherwise pick (node-http-proxy,
// fastify + @fastify/reply-from), all in front of the same mutual-TLS upstream with the same
// client certificate and the same verification, loaded with wrk on loopback in alternating
// runs. Machines here are shared and noisy, so every figure that is judged is a ratio
// measured in the same round; absolute figures are context only. Also: upstream handshakes
// through the agent's dialer, full vs resumed.
//
//   import { dataPlaneSuite, formatDataPlane } from './data-plane.mjs';
//   const result = await dataPlaneSuite({ seconds: 5, rounds: 3 });
//   console.log(formatDataPlane(result).join('\n'));
//
// Standalone: node bench/data-plane.mjs [--seconds 5] [--rounds 3] [--cpu-prof DIR]
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createSeedPki } from '@kupstream/test-pki';
import { handshakeRates } from './handshakes.mjs';
import { HOSTNAME, SERVICE, startKupstream } from './kupstream-proxy.mjs';
import { BULK_BYTES, SMALL_BODY, startMtlsUpstream } from './mtls-upstream.mjs';
import { startNginxReference } from './nginx-reference.mjs';
import { startFastifyPeer } from './fastify-peer.mjs';
import { startHttpProxyPeer } from './http-proxy-peer.mjs';
import { startNodeFloor } from './node-floor-proxy.mjs';
import { withCleanup } from './processes.mjs';
import { cpuTimes, peakRssMiB, resetPeakRss } from './proc-stats.mjs';
import { ensureDebianTools } from './system-tools.mjs';
import { wrk } from './wrk.mjs';

/**
 * Proxy A, proxy B (the reference), a diagnostic floor (bench/node-floor-proxy.mjs), and
 * the Node peers (bench/http-proxy-peer.mjs, bench/fastify-peer.mjs).
 */
export const PROXIES = ['kupstream', 'nginx', 'node-floor', 'http-proxy', 'fastify'];
/** What an embedding user would pick instead of kupstream; "best peer" is the best of these in a round. */
export const NODE_PEERS = ['http-proxy', 'fastify'];
const NODE_PEER_STARTERS = { 'http-proxy': startHttpProxyPeer, fastify: startFastifyPeer };

// `floor`: also measured through the minimal Node proxy, for the two targets that need it.
export const SCENARIOS = [
  { id: 'keepalive', label: 'keep-alive, 64 connections', path: '/small', connections: 64, floor: true },
  { id: 'close', label: 'new connection per request (Connection: close), 64 at a time', path: '/small', connections: 64, close: true },
  { id: 'bulk', label: '10 MiB body, 4 connections', path: '/bulk', connections: 4, floor: true },
  { id: 'c256', label: 'keep-alive, 256 connections', path: '/small', connections: 256, peak: true },
];

export const TARGETS = {
  keepAlive: 0.6,
  bulk: 1.0,
  resumedOverFull: 2,
  peakRssMiB256: 200,
};

/** Against the Node peers (kupstream / best peer in the same round) and nginx on bulk bodies. */
export const PEER_TARGETS = {
  keepAlive: 1.5,
  cpuPerRequestKeepAlive: 1.5,
  bulk: 1.0,
  bulkVsNginx: 0.8,
};

export const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** GET through a proxy; resolves with status and body length (bodies are discarded). */
function probe(port, path) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host: HOSTNAME }, agent: false }, (res) => {
      let length = 0;
      let head = '';
      res.on('data', (chunk) => {
        if (length < 256) head += chunk.subarray(0, 256).toString('latin1');
        length += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode, length, head, error: res.headers['x-kupstream-error'] }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error(`GET ${path} through 127.0.0.1:${port} timed out`)));
  });
}

export async function checkProxy(name, port) {
  const small = await probe(port, '/small');
  if (small.status !== 200 || small.head !== SMALL_BODY)
    throw new Error(`${name}: GET /small answered ${small.status} ${small.error ?? ''} ${JSON.stringify(small.head.slice(0, 80))}`);
  const bulk = await probe(port, '/bulk');
  if (bulk.status !== 200 || bulk.length !== BULK_BYTES)
    throw new Error(`${name}: GET /bulk answered ${bulk.status} with ${bulk.length} bytes`);
}

/**
 * A Node peer started with a server name its upstream's certificate does not carry must
 * refuse the upstream: proof that the peer checks the name, with rejection on (the
 * successful checkProxy already showed that it trusts the test CA, which no system store holds).
 */
async function checkPeerRefusesWrongName(name, start, input) {
  const wrong = await start({ ...input, serverName: `not-${input.serverName}` });
  try {
    const small = await probe(wrong.port, '/small');
    if (small.status < 500)
      throw new Error(`${name} reached the upstream with a server name its certificate does not hold (status ${small.status})`);
  } finally {
    await wrong.stop();
  }
}

export async function measure(proxy, scenario, seconds) {
  const before = cpuTimes(proxy.pid);
  const peakReset = scenario.peak ? resetPeakRss(proxy.pid) : false;
  const run = await wrk({
    port: proxy.port,
    path: scenario.path,
    host: HOSTNAME,
    connections: scenario.connections,
    seconds,
    close: scenario.close,
  });
  const after = cpuTimes(proxy.pid);
  const user = after.user - before.user;
  const system = after.system - before.system;
  const cpu = user + system;
  return {
    requestsPerSecond: run.requests / run.seconds,
    mbPerSecond: run.bytes / run.seconds / 1e6,
    p50Ms: run.p50Ms,
    p99Ms: run.p99Ms,
    cpuUsPerRequest: run.requests ? (cpu * 1e6) / run.requests : NaN,
    // User vs kernel time separates the proxy's own code from syscalls and the loopback TCP stack.
    userShareOfCpu: cpu ? user / cpu : NaN,
    cpuShare: cpu / run.seconds,
    peakRssMiB: scenario.peak ? peakRssMiB(proxy.pid) : undefined,
    // Read after every run: the maximum over runs is the peak since start, resets included.
    peakSoFarMiB: peakRssMiB(proxy.pid),
    peakRssIsRunOnly: peakReset,
    errors: run.errors + run.statusErrors,
    requests: run.requests,
  };
}

/**
 * Runs the suite. Every process it starts is stopped and every temp dir removed before it
 * returns or throws, and on SIGINT/SIGTERM.
 * @param {{ seconds?: number, rounds?: number, handshakeSeconds?: number, cpuProfDir?: string, log?: (line: string) => void }} [options]
 */
export async function dataPlaneSuite(options = {}) {
  const { seconds = 5, rounds = 3, handshakeSeconds = 2, cpuProfDir, log = (line) => console.error(line) } = options;
  ensureDebianTools({ log });
  return withCleanup(async () => {
    const pki = await createSeedPki({ serverNames: [SERVICE.split(':')[0]] });
    const upstream = await startMtlsUpstream({
      serverCertPem: pki.server.certPem,
      serverKeyPem: pki.server.keyPem,
      clientCaPem: pki.ca.certPem,
    });
    const proxies = {
      kupstream: await startKupstream({ client: pki.client, caPem: pki.ca.certPem, upstreamPort: upstream.port, cpuProfDir }),
      nginx: await startNginxReference({
        upstreamPort: upstream.port,
        clientCertPem: pki.client.certPem,
        clientKeyPem: pki.client.keyPem,
        caPem: pki.ca.certPem,
        serverName: SERVICE.split(':')[0],
      }),
      'node-floor': await startNodeFloor({ client: pki.client, caPem: pki.ca.certPem, upstreamPort: upstream.port }),
    };
    const peerInput = { client: pki.client, caPem: pki.ca.certPem, upstreamPort: upstream.port, serverName: SERVICE.split(':')[0] };
    for (const name of NODE_PEERS) proxies[name] = await NODE_PEER_STARTERS[name](peerInput);
    try {
      for (const name of PROXIES) await checkProxy(name, proxies[name].port);
      for (const name of NODE_PEERS) await checkPeerRefusesWrongName(name, NODE_PEER_STARTERS[name], peerInput);
      log(
        `data plane: upstream 127.0.0.1:${upstream.port}; ${PROXIES.map((name) => `${name} :${proxies[name].port} (pid ${proxies[name].pid})`).join(', ')}; ${rounds} rounds of ${seconds} s runs`,
      );
      // Warm-up: JIT, upstream pools and TLS sessions, before anything is recorded. Node's
      // CPU per request settles after about 5 s of load here; nginx does not need it.
      for (const name of PROXIES) {
        await wrk({ port: proxies[name].port, path: '/small', host: HOSTNAME, connections: 64, seconds: 5 });
        await wrk({ port: proxies[name].port, path: '/bulk', host: HOSTNAME, connections: 4, seconds: 1 });
      }

      const runs = Object.fromEntries(SCENARIOS.map((s) => [s.id, Object.fromEntries(PROXIES.map((name) => [name, []]))]));
      for (let round = 0; round < rounds; round++) {
        for (const scenario of SCENARIOS) {
          // A, B, floor, peers in even rounds and the reverse in odd ones: drift on a shared machine hits all alike.
          const names = PROXIES.filter((name) => name !== 'node-floor' || scenario.floor);
          for (const name of round % 2 ? names.reverse() : names) {
            const r = await measure(proxies[name], scenario, seconds);
            runs[scenario.id][name].push(r);
            log(
              `  round ${round + 1} ${scenario.id.padEnd(9)} ${name.padEnd(10)} ${r.requestsPerSecond.toFixed(0).padStart(6)} req/s ${r.mbPerSecond.toFixed(1).padStart(7)} MB/s p50 ${r.p50Ms.toFixed(2)} ms p99 ${r.p99Ms.toFixed(2)} ms cpu ${r.cpuUsPerRequest.toFixed(0)} µs/req (${(r.userShareOfCpu * 100).toFixed(0)} % user)${r.peakRssMiB ? ` peak RSS ${r.peakRssMiB.toFixed(0)} MiB` : ''}${r.errors ? ` errors ${r.errors}` : ''}`,
            );
          }
        }
      }
      const lifetimePeak = Object.fromEntries(
        PROXIES.map((name) => [name, Math.max(...SCENARIOS.flatMap((s) => runs[s.id][name].map((r) => r.peakSoFarMiB)))]),
      );

      log(`data plane: upstream handshakes through the agent's dialer, ${rounds} × ${handshakeSeconds} s per mode`);
      const handshakes = await handshakeRates({
        client: pki.client,
        caPem: pki.ca.certPem,
        upstreamPort: upstream.port,
        upstreamPid: upstream.pid,
        seconds: handshakeSeconds,
        rounds,
      });
      // The preload writes its final counts on exit, so stop the proxy before reading them.
      await proxies.kupstream.stop();
      const proxyTls = await proxies.kupstream.tlsCounts();
      return summarize({ seconds, rounds, runs, lifetimePeak, handshakes, proxyTls, cpuProfDir });
    } finally {
      await Promise.all([...Object.values(proxies).map((p) => p.stop()), upstream.stop()]);
    }
  });
}

function summarize({ seconds, rounds, runs, lifetimePeak, handshakes, proxyTls, cpuProfDir }) {
  const rows = [];
  const pick = (list, key) => median(list.map((r) => r[key]));
  for (const scenario of SCENARIOS) {
    for (const proxy of PROXIES) {
      const list = runs[scenario.id][proxy];
      if (!list.length) continue;
      rows.push({
        scenario: scenario.id,
        label: scenario.label,
        proxy,
        connections: scenario.connections,
        requestsPerSecond: pick(list, 'requestsPerSecond'),
        mbPerSecond: pick(list, 'mbPerSecond'),
        p50Ms: pick(list, 'p50Ms'),
        p99Ms: pick(list, 'p99Ms'),
        cpuUsPerRequest: pick(list, 'cpuUsPerRequest'),
        userShareOfCpu: pick(list, 'userShareOfCpu'),
        cpuShare: pick(list, 'cpuShare'),
        peakRssMiB: scenario.peak ? Math.max(...list.map((r) => r.peakRssMiB)) : undefined,
        peakRssRunOnly: scenario.peak ? list.every((r) => r.peakRssIsRunOnly) : undefined,
        errors: list.reduce((n, r) => n + r.errors, 0),
      });
    }
  }
  // Paired per round (same minute of machine noise), then the median over rounds.
  const paired = (id, key, a = 'kupstream', b = 'nginx') => median(runs[id][a].map((run, i) => run[key] / runs[id][b][i][key]));
  const ratios = {
    keepAlive: paired('keepalive', 'requestsPerSecond'),
    newConnections: paired('close', 'requestsPerSecond'),
    bulk: paired('bulk', 'mbPerSecond'),
    keepAlive256: paired('c256', 'requestsPerSecond'),
    // > 1 means kupstream spends more CPU (or has a longer tail) than nginx.
    cpuPerRequestKeepAlive: paired('keepalive', 'cpuUsPerRequest'),
    cpuPerRequestBulk: paired('bulk', 'cpuUsPerRequest'),
    p99KeepAlive: paired('keepalive', 'p99Ms'),
    // The diagnostic floor: what a bare Node proxy on the same dialer reaches against nginx,
    // and how far kupstream is from it.
    floorKeepAlive: paired('keepalive', 'requestsPerSecond', 'node-floor', 'nginx'),
    floorBulk: paired('bulk', 'mbPerSecond', 'node-floor', 'nginx'),
    kupstreamOverFloorKeepAlive: paired('keepalive', 'requestsPerSecond', 'kupstream', 'node-floor'),
    kupstreamOverFloorBulk: paired('bulk', 'mbPerSecond', 'kupstream', 'node-floor'),
    cpuPerRequestKeepAliveOverFloor: paired('keepalive', 'cpuUsPerRequest', 'kupstream', 'node-floor'),
  };
  // kupstream against the best Node peer of the same round (the highest rate, the least CPU),
  // then the median over rounds; `best` names the peer that was best in most rounds.
  const versusBestPeer = (id, key, better) => {
    const perRound = runs[id].kupstream.map((run, i) => {
      const [best] = NODE_PEERS.map((name) => ({ name, value: runs[id][name][i][key] })).sort((a, b) =>
        better === 'higher' ? b.value - a.value : a.value - b.value,
      );
      // Always "how many times better kupstream is": rates over rates, CPU the other way round.
      return { ratio: better === 'higher' ? run[key] / best.value : best.value / run[key], best: best.name };
    });
    const counts = new Map();
    for (const r of perRound) counts.set(r.best, (counts.get(r.best) ?? 0) + 1);
    return { ratio: median(perRound.map((r) => r.ratio)), best: [...counts].sort((a, b) => b[1] - a[1])[0][0] };
  };
  const peers = {
    keepAlive: versusBestPeer('keepalive', 'requestsPerSecond', 'higher'),
    cpuPerRequestKeepAlive: versusBestPeer('keepalive', 'cpuUsPerRequest', 'lower'),
    bulk: versusBestPeer('bulk', 'mbPerSecond', 'higher'),
    cpuPerRequestBulk: versusBestPeer('bulk', 'cpuUsPerRequest', 'lower'),
    newConnections: versusBestPeer('close', 'requestsPerSecond', 'higher'),
    keepAlive256: versusBestPeer('c256', 'requestsPerSecond', 'higher'),
    // Each peer on its own: kupstream's rate over the peer's (> 1: kupstream faster) and the
    // peer's CPU per request over kupstream's (> 1: kupstream cheaper).
    each: Object.fromEntries(
      NODE_PEERS.map((name) => [
        name,
        {
          keepAlive: paired('keepalive', 'requestsPerSecond', 'kupstream', name),
          cpuPerRequestKeepAlive: paired('keepalive', 'cpuUsPerRequest', name, 'kupstream'),
          bulk: paired('bulk', 'mbPerSecond', 'kupstream', name),
          newConnections: paired('close', 'requestsPerSecond', 'kupstream', name),
          keepAlive256: paired('c256', 'requestsPerSecond', 'kupstream', name),
        },
      ]),
    ),
  };
  const peerTargets = [
    {
      name: 'keep-alive req/s vs the best Node peer',
      value: peers.keepAlive.ratio,
      target: `≥ ${PEER_TARGETS.keepAlive}×`,
      met: peers.keepAlive.ratio >= PEER_TARGETS.keepAlive,
    },
    {
      name: 'keep-alive CPU per request: the best Node peer over kupstream',
      value: peers.cpuPerRequestKeepAlive.ratio,
      target: `≥ ${PEER_TARGETS.cpuPerRequestKeepAlive}× less`,
      met: peers.cpuPerRequestKeepAlive.ratio >= PEER_TARGETS.cpuPerRequestKeepAlive,
    },
    {
      name: '10 MiB body MB/s vs the best Node peer',
      value: peers.bulk.ratio,
      target: `≥ ${PEER_TARGETS.bulk}×`,
      met: peers.bulk.ratio >= PEER_TARGETS.bulk,
    },
    {
      name: '10 MiB body MB/s vs nginx',
      value: ratios.bulk,
      target: `≥ ${PEER_TARGETS.bulkVsNginx}×`,
      met: ratios.bulk >= PEER_TARGETS.bulkVsNginx,
    },
  ];
  const full = median(handshakes.perRound.map((r) => r.full.perSecond));
  const resumed = median(handshakes.perRound.map((r) => r.resumed.perSecond));
  const handshakeSummary = {
    fullPerSecond: full,
    resumedPerSecond: resumed,
    ratio: median(handshakes.perRound.map((r) => r.resumed.perSecond / r.full.perSecond)),
    resumedShare: median(handshakes.perRound.map((r) => r.resumed.reusedShare)),
    fullReusedShare: median(handshakes.perRound.map((r) => r.full.reusedShare)),
    clientCpuUs: {
      full: median(handshakes.perRound.map((r) => r.full.clientCpuUs)),
      resumed: median(handshakes.perRound.map((r) => r.resumed.clientCpuUs)),
    },
    upstreamCpuUs: {
      full: median(handshakes.perRound.map((r) => r.full.upstreamCpuUs)),
      resumed: median(handshakes.perRound.map((r) => r.resumed.upstreamCpuUs)),
    },
    // Both ends' CPU per full handshake over per resumed one: the rate ratio a CPU-bound
    // machine would show, less sensitive to the scheduler than the rates themselves.
    cpuRatio: median(
      handshakes.perRound.map((r) => (r.full.clientCpuUs + r.full.upstreamCpuUs) / (r.resumed.clientCpuUs + r.resumed.upstreamCpuUs)),
    ),
    connections: handshakes.connections,
    concurrency: handshakes.concurrency,
    secureContextBuilds: handshakes.secureContextBuilds,
  };
  const peak256 = rows.find((r) => r.scenario === 'c256' && r.proxy === 'kupstream').peakRssMiB;
  const perConnectionContexts = handshakes.secureContextBuilds <= 1 && (!proxyTls || proxyTls.secureContexts <= 1);
  const targets = [
    {
      name: 'keep-alive req/s vs nginx',
      value: ratios.keepAlive,
      target: `≥ ${TARGETS.keepAlive}×`,
      met: ratios.keepAlive >= TARGETS.keepAlive,
    },
    { name: '10 MiB body MB/s vs nginx', value: ratios.bulk, target: `≥ ${TARGETS.bulk}×`, met: ratios.bulk >= TARGETS.bulk },
    {
      name: 'resumed / full upstream handshakes per second',
      value: handshakeSummary.ratio,
      target: `≥ ${TARGETS.resumedOverFull}×`,
      met: handshakeSummary.ratio >= TARGETS.resumedOverFull,
    },
    {
      name: 'kupstream peak RSS under 256 connections (MiB)',
      value: peak256,
      target: `≤ ${TARGETS.peakRssMiB256}`,
      met: peak256 <= TARGETS.peakRssMiB256,
    },
    {
      name: 'SecureContext builds (dialer loop; serve process)',
      value: `${handshakes.secureContextBuilds} for ${handshakes.connections} connections; ${proxyTls ? `${proxyTls.secureContexts} for ${proxyTls.tlsConnects}` : 'not counted'}`,
      target: 'none per connection',
      met: perConnectionContexts,
    },
  ];
  return {
    seconds,
    rounds,
    rows,
    ratios,
    peers,
    peerTargets,
    handshakes: handshakeSummary,
    proxyTls,
    lifetimePeakRssMiB: lifetimePeak,
    targets,
    ...(cpuProfDir ? { cpuProfDir } : {}),
  };
}

const fmt = (x, digits = 2) => (x === undefined || !Number.isFinite(x) ? '—' : Number(x).toFixed(digits));

const verdict = (t) =>
  `- ${t.name}: **${typeof t.value === 'number' ? `${fmt(t.value)}${t.target.includes('×') ? '×' : ''}` : t.value}** (target ${t.target}: ${t.met ? 'met' : 'NOT met'})`;

/** Markdown lines: kupstream against each Node peer and the best one per round, and the peer targets. */
export function formatPeers(result) {
  const { peers } = result;
  const row = (label, r) =>
    `| ${label} | ${fmt(r.keepAlive)}× | ${fmt(r.cpuPerRequestKeepAlive)}× | ${fmt(r.bulk)}× | ${fmt(r.newConnections)}× | ${fmt(r.keepAlive256)}× |`;
  return [
    'kupstream against the Node peers (per round, then the median). Rates: kupstream / peer. CPU: peer / kupstream, so above 1 kupstream spends less.',
    '',
    '| peer | keep-alive req/s | keep-alive CPU per request | 10 MiB MB/s | new connections req/s | 256 connections req/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...NODE_PEERS.map((name) => row(name, peers.each[name])),
    row(
      'the best peer of each round',
      Object.fromEntries(['keepAlive', 'cpuPerRequestKeepAlive', 'bulk', 'newConnections', 'keepAlive256'].map((k) => [k, peers[k].ratio])),
    ),
    '',
    `Best peer in most rounds: ${peers.keepAlive.best} (keep-alive req/s), ${peers.cpuPerRequestKeepAlive.best} (keep-alive CPU), ${peers.bulk.best} (10 MiB body).`,
    '',
    ...result.peerTargets.map(verdict),
  ];
}

/** Markdown lines for BENCHMARKS.md: the per-proxy table, the ratios and the targets. */
export function formatDataPlane(result) {
  const h = result.handshakes;
  return [
    `Medians of ${result.rounds} alternating rounds of ${result.seconds} s per proxy and scenario (wrk on loopback, shared noisy machine).`,
    "CPU is the proxy process's user + system time during the run divided by the requests it served.",
    '',
    '| scenario | proxy | req/s | MB/s | p50 ms | p99 ms | CPU µs/request | of it user mode | CPU cores used | peak RSS MiB | socket/status errors |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...result.rows.map(
      (r) =>
        `| ${r.label} | ${r.proxy} | ${fmt(r.requestsPerSecond, 0)} | ${fmt(r.mbPerSecond, 1)} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${fmt(r.cpuUsPerRequest, 0)} | ${fmt(r.userShareOfCpu * 100, 0)} % | ${fmt(r.cpuShare)} | ${r.peakRssMiB === undefined ? '' : fmt(r.peakRssMiB, 0)} | ${r.errors} |`,
    ),
    '',
    `Ratios kupstream / nginx (per round, median): keep-alive ${fmt(result.ratios.keepAlive)}×, new connections ${fmt(result.ratios.newConnections)}×, 10 MiB body ${fmt(result.ratios.bulk)}×, 256 connections ${fmt(result.ratios.keepAlive256)}×; CPU per request ${fmt(result.ratios.cpuPerRequestKeepAlive)}× (keep-alive) and ${fmt(result.ratios.cpuPerRequestBulk)}× (10 MiB); p99 ${fmt(result.ratios.p99KeepAlive)}× (keep-alive).`,
    `Diagnostic floor (a bare Node proxy on the agent's dialer, not a target): ${fmt(result.ratios.floorKeepAlive)}× nginx keep-alive, ${fmt(result.ratios.floorBulk)}× nginx on the 10 MiB body; kupstream reaches ${fmt(result.ratios.kupstreamOverFloorKeepAlive)}× and ${fmt(result.ratios.kupstreamOverFloorBulk)}× of that floor and spends ${fmt(result.ratios.cpuPerRequestKeepAliveOverFloor)}× its CPU per keep-alive request.`,
    ...(result.rows.some((r) => r.peakRssRunOnly === false)
      ? ['Peak RSS of the 256-connection runs is since process start: the kernel refused to reset VmHWM (/proc/PID/clear_refs).']
      : []),
    `Peak RSS over the whole suite (warm-up and 10 MiB bodies included): ${PROXIES.map((name) => `${name} ${fmt(result.lifetimePeakRssMiB[name], 0)} MiB`).join(', ')}.`,
    `Upstream handshakes through the agent's dialer (${h.concurrency} in flight, mTLS, TLS 1.3, RSA 2048 certificates): full ${fmt(h.fullPerSecond, 0)}/s, resumed ${fmt(h.resumedPerSecond, 0)}/s (${fmt(h.resumedShare * 100, 0)} % of them resumed); CPU per handshake in the dialing Node process ${fmt(h.clientCpuUs.full, 0)} µs full vs ${fmt(h.clientCpuUs.resumed, 0)} µs resumed, in the nginx upstream ${fmt(h.upstreamCpuUs.full, 0)} µs vs ${fmt(h.upstreamCpuUs.resumed, 0)} µs (both ends: ${fmt(h.cpuRatio)}× cheaper resumed).`,
    '',
    ...result.targets.map(verdict),
    '',
    ...formatPeers(result),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      'handshake-seconds': { type: 'string' },
      'cpu-prof': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const result = await dataPlaneSuite({
    ...(values.seconds ? { seconds: Number(values.seconds) } : {}),
    ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
    ...(values['handshake-seconds'] ? { handshakeSeconds: Number(values['handshake-seconds']) } : {}),
    ...(values['cpu-prof'] ? { cpuProfDir: values['cpu-prof'] } : {}),
  });
  console.log(values.json ? JSON.stringify(result, null, 2) : formatDataPlane(result).join('\n'));
}
