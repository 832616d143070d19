#!/usr/bin/env node
// What each agent change bought, measured in one run: several builds of @kupstream/agent
// (one per stage of the changes) each serve through their own `kupstream serve`, next to
// nginx (and, with --peers, the Node peers), in rotating order. Reported per stage: CPU per
// keep-alive request, the keep-alive and 10 MiB ratios against nginx and the first build,
// the 10 MiB CPU per body, the 10 MiB ratio against the best peer (per round, then the
// median), and the resumed/full upstream handshake rate of that build's dialer. Not part of
// `pnpm bench`.
//
//   node bench/agent-stages.mjs NAME=PATH/index.js [NAME=PATH ...] [--seconds 5] [--rounds 3] [--handshake-seconds 2]
//     [--scenarios keepalive,bulk] [--peers http-proxy,fastify]
//
// A build is a bundled index.js of packages/agent/src (any bundler; its imports of
// @kupstream/core and tslib stay external). bench/agent-build-hook.mjs loads it in place
// of the real package. The current dist can be named as `current=packages/agent/dist/index.js`.
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSeedPki } from '@kupstream/test-pki';
import { checkProxy, measure, median, NODE_PEERS, SCENARIOS } from './data-plane.mjs';
import { startFastifyPeer } from './fastify-peer.mjs';
import { startHttpProxyPeer } from './http-proxy-peer.mjs';
import { HOSTNAME, SERVICE, startKupstream } from './kupstream-proxy.mjs';
import { startMtlsUpstream } from './mtls-upstream.mjs';
import { startNginxReference } from './nginx-reference.mjs';
import { spawnTracked, withCleanup } from './processes.mjs';
import { ensureDebianTools } from './system-tools.mjs';
import { wrk } from './wrk.mjs';

const HOOK = fileURLToPath(new URL('./agent-build-hook.mjs', import.meta.url));
const HANDSHAKES = new URL('./handshakes.mjs', import.meta.url).href;

/** One round of handshakeRates in a child that loads the given build of the agent. */
async function childHandshakes(build, { client, caPem, upstreamPort, upstreamPid, seconds }) {
  const script = `import { handshakeRates } from ${JSON.stringify(HANDSHAKES)};
let input = ''; for await (const chunk of process.stdin) input += chunk;
const r = await handshakeRates({ ...JSON.parse(input), rounds: 1 });
console.log('HANDSHAKES ' + JSON.stringify(r.perRound[0]));`;
  const proc = spawnTracked(process.execPath, ['--import', HOOK, '--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, KUPSTREAM_BENCH_AGENT: build, NODE_OPTIONS: '' },
  });
  proc.child.stdin.end(JSON.stringify({ client, caPem, upstreamPort, upstreamPid, seconds }));
  let out = '';
  let err = '';
  proc.child.stdout.on('data', (chunk) => (out += chunk));
  proc.child.stderr.on('data', (chunk) => (err = (err + chunk).slice(-2000)));
  const { code } = await proc.exited;
  const line = /HANDSHAKES (.*)/.exec(out);
  if (code !== 0 || !line) throw new Error(`handshake child for ${build} failed (${code}): ${err}`);
  return JSON.parse(line[1]);
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      seconds: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      'handshake-seconds': { type: 'string', default: '2' },
      scenarios: { type: 'string', default: 'keepalive,bulk' },
      peers: { type: 'string', default: '' },
    },
  });
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const handshakeSeconds = Number(values['handshake-seconds']);
  const stages = positionals.map((arg) => {
    const eq = arg.indexOf('=');
    if (eq < 1) throw new Error(`expected NAME=PATH, got ${arg}`);
    return { name: arg.slice(0, eq), build: resolvePath(arg.slice(eq + 1)) };
  });
  if (!stages.length) throw new Error('name at least one build: NAME=PATH/index.js');
  const wanted = values.scenarios.split(',');
  const scenarios = SCENARIOS.filter((s) => wanted.includes(s.id));
  const peers = values.peers ? values.peers.split(',') : [];
  for (const peer of peers) if (!NODE_PEERS.includes(peer)) throw new Error(`--peers: ${peer} is not one of ${NODE_PEERS.join(', ')}`);
  const startPeer = { 'http-proxy': startHttpProxyPeer, fastify: startFastifyPeer };
  ensureDebianTools();
  await withCleanup(async () => {
    const pki = await createSeedPki({ serverNames: [SERVICE.split(':')[0]] });
    const upstream = await startMtlsUpstream({
      serverCertPem: pki.server.certPem,
      serverKeyPem: pki.server.keyPem,
      clientCaPem: pki.ca.certPem,
    });
    const proxies = {
      nginx: await startNginxReference({
        upstreamPort: upstream.port,
        clientCertPem: pki.client.certPem,
        clientKeyPem: pki.client.keyPem,
        caPem: pki.ca.certPem,
        serverName: SERVICE.split(':')[0],
      }),
    };
    for (const stage of stages) {
      proxies[stage.name] = await startKupstream({
        client: pki.client,
        caPem: pki.ca.certPem,
        upstreamPort: upstream.port,
        env: { KUPSTREAM_BENCH_AGENT: stage.build },
      });
    }
    for (const peer of peers) {
      proxies[peer] = await startPeer[peer]({
        client: pki.client,
        caPem: pki.ca.certPem,
        upstreamPort: upstream.port,
        serverName: SERVICE.split(':')[0],
      });
    }
    const names = Object.keys(proxies);
    for (const name of names) await checkProxy(name, proxies[name].port);
    console.error(`agent stages: ${names.join(', ')}; ${rounds} rounds of ${seconds} s runs`);
    for (const name of names) {
      await wrk({ port: proxies[name].port, path: '/small', host: HOSTNAME, connections: 64, seconds: 5 });
      await wrk({ port: proxies[name].port, path: '/bulk', host: HOSTNAME, connections: 4, seconds: 1 });
    }
    const runs = Object.fromEntries(scenarios.map((s) => [s.id, Object.fromEntries(names.map((n) => [n, []]))]));
    const handshakes = Object.fromEntries(stages.map((s) => [s.name, []]));
    for (let round = 0; round < rounds; round++) {
      // Rotate the order every round, so drift on a shared machine hits every proxy alike.
      const order = names.map((_, i) => names[(i + round) % names.length]);
      for (const scenario of scenarios) {
        for (const name of order) {
          const r = await measure(proxies[name], scenario, seconds);
          runs[scenario.id][name].push(r);
          console.error(
            `  round ${round + 1} ${scenario.id.padEnd(9)} ${name.padEnd(12)} ${r.requestsPerSecond.toFixed(0).padStart(6)} req/s ${r.mbPerSecond.toFixed(1).padStart(7)} MB/s cpu ${r.cpuUsPerRequest.toFixed(0)} µs/req`,
          );
        }
      }
      for (const stage of handshakeSeconds > 0 ? (round % 2 ? [...stages].reverse() : stages) : []) {
        const r = await childHandshakes(stage.build, {
          client: pki.client,
          caPem: pki.ca.certPem,
          upstreamPort: upstream.port,
          upstreamPid: upstream.pid,
          seconds: handshakeSeconds,
        });
        handshakes[stage.name].push(r);
        console.error(
          `  round ${round + 1} handshakes ${stage.name.padEnd(12)} full ${r.full.perSecond.toFixed(0)}/s resumed ${r.resumed.perSecond.toFixed(0)}/s (${(r.resumed.perSecond / r.full.perSecond).toFixed(2)}×), client CPU ${r.full.clientCpuUs.toFixed(0)} / ${r.resumed.clientCpuUs.toFixed(0)} µs`,
        );
      }
    }
    // Per round, against nginx or the first build in the same round; then the median.
    const paired = (scenario, name, other, field) =>
      runs[scenario] ? median(runs[scenario][name].map((r, i) => r[field] / runs[scenario][other][i][field])) : NaN;
    const fmt = (value, digits, unit = '') => (Number.isFinite(value) ? `${value.toFixed(digits)}${unit}` : '');
    // The 10 MiB rate over the best peer's in the same round, then the median.
    const overBestPeer = (name) =>
      runs.bulk && peers.length
        ? median(runs.bulk[name].map((r, i) => r.mbPerSecond / Math.max(...peers.map((peer) => runs.bulk[peer][i].mbPerSecond))))
        : NaN;
    const first = stages[0].name;
    console.log(
      `| build | CPU µs/keep-alive request | CPU per request vs ${first} | keep-alive req/s vs nginx | 10 MiB MB/s | 10 MiB MB/s vs ${first} | CPU ms per 10 MiB body | 10 MiB CPU vs ${first} | 10 MiB MB/s vs nginx | 10 MiB MB/s vs the best peer | resumed/full handshakes/s | dialer CPU µs per resumed handshake |`,
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const name of names) {
      const hs = handshakes[name] ?? [];
      const cpu = runs.keepalive ? median(runs.keepalive[name].map((r) => r.cpuUsPerRequest)) : NaN;
      const stage = stages.some((s) => s.name === name);
      const cells = [
        name,
        fmt(cpu, 0),
        stage ? fmt(paired('keepalive', name, first, 'cpuUsPerRequest'), 2, '×') : '',
        fmt(paired('keepalive', name, 'nginx', 'requestsPerSecond'), 2, '×'),
        fmt(runs.bulk ? median(runs.bulk[name].map((r) => r.mbPerSecond)) : NaN, 0),
        stage ? fmt(paired('bulk', name, first, 'mbPerSecond'), 2, '×') : '',
        fmt(runs.bulk ? median(runs.bulk[name].map((r) => r.cpuUsPerRequest)) / 1000 : NaN, 1),
        stage ? fmt(paired('bulk', name, first, 'cpuUsPerRequest'), 2, '×') : '',
        fmt(paired('bulk', name, 'nginx', 'mbPerSecond'), 2, '×'),
        stage ? fmt(overBestPeer(name), 2, '×') : '',
        fmt(median(hs.map((r) => r.resumed.perSecond / r.full.perSecond)), 2, '×'),
        fmt(median(hs.map((r) => r.resumed.clientCpuUs)), 0),
      ];
      console.log(`| ${cells.join(' | ')} |`);
    }
    for (const name of names) await proxies[name].stop();
    await upstream.stop();
  });
}

await main();
