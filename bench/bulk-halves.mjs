#!/usr/bin/env node
// The two halves of a Node proxy's 10 MiB path, each in its own process, next to the whole
// (`kupstream serve`) and nginx, in alternating rounds: what reading the body from the mTLS
// upstream costs on its own (the agent's dialer and an undici Pool, as kupstream reads it,
// bodies discarded), the same read with no HTTP parser at all (bytes counted off the TLS
// socket's 'data' events), and what writing it to a plain-HTTP client costs on its own (an
// http.Server answering wrk with 10 MiB from memory, in the 64 KiB pieces undici hands
// over). CPU per body of the halves added up is what any Node proxy on this runtime pays
// before doing anything of its own. Not part of `pnpm bench`.
//
//   node bench/bulk-halves.mjs [--seconds 4] [--rounds 4]
import http from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createSeedPki } from '@kupstream/test-pki';
import { checkProxy, measure, median, SCENARIOS } from './data-plane.mjs';
import { HOSTNAME, SERVICE, startKupstream } from './kupstream-proxy.mjs';
import { BULK_BYTES, startMtlsUpstream } from './mtls-upstream.mjs';
import { startNginxReference } from './nginx-reference.mjs';
import { readProxyInput, startNodeProxy } from './node-proxy-process.mjs';
import { spawnTracked, withCleanup } from './processes.mjs';
import { ensureDebianTools } from './system-tools.mjs';
import { wrk } from './wrk.mjs';

const SELF = fileURLToPath(import.meta.url);
const PIECE = 64 * 1024;

/** Child, write half: 10 MiB from memory per request, in PIECE-sized writes with backpressure. */
function serveFromMemory() {
  const body = Buffer.alloc(BULK_BYTES, 0x5a);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BULK_BYTES });
    let offset = 0;
    const next = () => {
      while (offset < BULK_BYTES) {
        const piece = body.subarray(offset, offset + PIECE);
        offset += piece.length;
        if (!res.write(piece)) return void res.once('drain', next);
      }
      res.end();
    };
    next();
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
}

/** Child, read half: GET /bulk through the agent's dialer and an undici Pool, 4 at a time, for `seconds`. */
async function readFromUpstream({ client, caPem, upstreamPort, seconds }) {
  const { createUpstreamDialer, DEFAULT_MAX_SOCKETS_PER_POOL } = await import('@kupstream/agent');
  const { seedModel } = await import('./handshakes.mjs');
  // The agent's own undici (pinned), loaded the way the agent loads it.
  const Pool = createRequire(new URL('../packages/agent/package.json', import.meta.url))('undici/lib/dispatcher/pool.js');
  const { upstream, credentials } = seedModel(client, caPem);
  const dialer = createUpstreamDialer(upstream, { credentials, resolve: () => ({ host: '127.0.0.1', port: upstreamPort }) });
  const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, {
    connections: DEFAULT_MAX_SOCKETS_PER_POOL,
    pipelining: 1,
    connect: (_options, callback) =>
      dialer.connect().then(
        (socket) => callback(null, socket),
        (err) => callback(err, null),
      ),
  });
  const get = () =>
    new Promise((resolve, reject) => {
      let bytes = 0;
      pool.dispatch(
        { path: '/bulk', method: 'GET', headers: { host: HOSTNAME } },
        {
          onConnect() {},
          onHeaders: (status) => status === 200,
          onData: (chunk) => {
            bytes += chunk.length;
            return true;
          },
          onComplete: () => (bytes === BULK_BYTES ? resolve() : reject(new Error(`read ${bytes} bytes`))),
          onError: reject,
        },
      );
    });
  const run = async (ms) => {
    let bodies = 0;
    const end = Date.now() + ms;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < end) {
          await get();
          bodies++;
        }
      }),
    );
    return bodies;
  };
  await run(1000);
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const bodies = await run(seconds * 1000);
  const used = process.cpuUsage(cpu);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `READHALF ${JSON.stringify({ bodies, mbPerSecond: (bodies * BULK_BYTES) / elapsed / 1e6, cpuUsPerBody: (used.user + used.system) / bodies })}`,
  );
  await pool.destroy();
  process.exit(0);
}

/** Child, TLS read only: GET /bulk written by hand on the dialer's sockets, 4 at a time; the body bytes are counted, not parsed. */
async function readTlsOnly({ client, caPem, upstreamPort, seconds }) {
  const { createUpstreamDialer } = await import('@kupstream/agent');
  const { seedModel } = await import('./handshakes.mjs');
  const { upstream, credentials } = seedModel(client, caPem);
  const dialer = createUpstreamDialer(upstream, { credentials, resolve: () => ({ host: '127.0.0.1', port: upstreamPort }) });
  const request = Buffer.from(`GET /bulk HTTP/1.1\r\nhost: ${HOSTNAME}\r\n\r\n`);
  const loop = async (socket, until) => {
    let bodies = 0;
    while (Date.now() < until) {
      await new Promise((resolve, reject) => {
        let head = '';
        let left = -1;
        const onData = (chunk) => {
          if (left < 0) {
            head += chunk.toString('latin1');
            const end = head.indexOf('\r\n\r\n');
            if (end < 0) return;
            left = Number(/content-length: *(\d+)/i.exec(head.slice(0, end))[1]) - (head.length - end - 4);
          } else left -= chunk.length;
          if (left === 0) {
            socket.off('data', onData);
            resolve();
          }
        };
        socket.on('data', onData);
        socket.once('error', reject);
        socket.write(request);
      });
      bodies++;
    }
    return bodies;
  };
  const sockets = await Promise.all(Array.from({ length: 4 }, () => dialer.connect()));
  await Promise.all(sockets.map((s) => loop(s, Date.now() + 1000)));
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const counts = await Promise.all(sockets.map((s) => loop(s, Date.now() + seconds * 1000)));
  const used = process.cpuUsage(cpu);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const bodies = counts.reduce((a, b) => a + b, 0);
  console.log(
    `READHALF ${JSON.stringify({ bodies, mbPerSecond: (bodies * BULK_BYTES) / elapsed / 1e6, cpuUsPerBody: (used.user + used.system) / bodies })}`,
  );
  process.exit(0);
}

async function readHalf(input, mode = 'read') {
  const proc = spawnTracked(process.execPath, [SELF, '--child', mode], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  proc.child.stdin.end(JSON.stringify(input));
  let out = '';
  let err = '';
  proc.child.stdout.on('data', (c) => (out += c));
  proc.child.stderr.on('data', (c) => (err = (err + c).slice(-2000)));
  const { code } = await proc.exited;
  const line = /READHALF (.*)/.exec(out);
  if (code !== 0 || !line) throw new Error(`read half failed (${code}): ${err}`);
  return JSON.parse(line[1]);
}

async function main() {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '4' }, rounds: { type: 'string', default: '4' }, child: { type: 'string' } },
  });
  if (values.child === 'write') return serveFromMemory();
  if (values.child === 'read') return readFromUpstream(await readProxyInput());
  if (values.child === 'tls') return readTlsOnly(await readProxyInput());
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const bulk = SCENARIOS.find((s) => s.id === 'bulk');
  ensureDebianTools();
  await withCleanup(async () => {
    const pki = await createSeedPki({ serverNames: [SERVICE.split(':')[0]] });
    const upstream = await startMtlsUpstream({
      serverCertPem: pki.server.certPem,
      serverKeyPem: pki.server.keyPem,
      clientCaPem: pki.ca.certPem,
    });
    const input = { client: pki.client, caPem: pki.ca.certPem, upstreamPort: upstream.port, serverName: SERVICE.split(':')[0] };
    const proxies = {
      kupstream: await startKupstream({ client: pki.client, caPem: pki.ca.certPem, upstreamPort: upstream.port }),
      nginx: await startNginxReference({
        upstreamPort: upstream.port,
        clientCertPem: pki.client.certPem,
        clientKeyPem: pki.client.keyPem,
        caPem: pki.ca.certPem,
        serverName: input.serverName,
      }),
    };
    const writeHalf = await startNodeProxy(SELF, input, ['--child', 'write']);
    for (const name of Object.keys(proxies)) await checkProxy(name, proxies[name].port);
    for (const p of [...Object.values(proxies), writeHalf]) {
      await wrk({ port: p.port, path: '/bulk', host: HOSTNAME, connections: 4, seconds: 2 });
    }
    const rows = { kupstream: [], nginx: [], 'write half': [], 'read half': [], 'TLS read only': [] };
    for (let round = 0; round < rounds; round++) {
      const order = Object.keys(rows);
      for (const name of round % 2 ? order.reverse() : order) {
        const r =
          name === 'read half'
            ? await readHalf({ ...input, seconds })
            : name === 'TLS read only'
              ? await readHalf({ ...input, seconds }, 'tls')
              : await measure(name === 'write half' ? writeHalf : proxies[name], bulk, seconds);
        const row = { mbPerSecond: r.mbPerSecond, cpuUsPerBody: r.cpuUsPerBody ?? r.cpuUsPerRequest };
        rows[name].push(row);
        console.error(
          `  round ${round + 1} ${name.padEnd(13)} ${row.mbPerSecond.toFixed(1).padStart(7)} MB/s cpu ${(row.cpuUsPerBody / 1000).toFixed(1)} ms/body`,
        );
      }
    }
    console.log('| process | MB/s | CPU ms per 10 MiB body |');
    console.log('| --- | ---: | ---: |');
    for (const [name, list] of Object.entries(rows)) {
      console.log(
        `| ${name} | ${median(list.map((r) => r.mbPerSecond)).toFixed(0)} | ${(median(list.map((r) => r.cpuUsPerBody)) / 1000).toFixed(1)} |`,
      );
    }
    const halves = rows['write half'].map((w, i) => (w.cpuUsPerBody + rows['read half'][i].cpuUsPerBody) / rows.kupstream[i].cpuUsPerBody);
    console.log(`\nThe two halves add up to ${median(halves).toFixed(2)}× kupstream's CPU per body (per round, median).`);
    await writeHalf.stop();
    for (const p of Object.values(proxies)) await p.stop();
    await upstream.stop();
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
