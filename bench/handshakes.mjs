// Upstream handshakes per second through the agent's own dialer, against the bench's
// mTLS upstream: full handshakes (sessionCache: false) versus resumed ones (the default
// per-store session cache). tls.createSecureContext is wrapped while the loop runs to show
// that dialing builds no SecureContext per connection.
import tls from 'node:tls';
import { connectionInfo, createUpstreamDialer } from '@kupstream/agent';
import { snapshotKeyFor } from '@kupstream/core';
import { translateGatewayApi } from '@kupstream/gateway';
import { seedManifests, SERVICE } from './kupstream-proxy.mjs';
import { treeCpuSeconds } from './proc-stats.mjs';

/** The model `kupstream serve` builds from the same manifests: its one upstream and the store. */
export function seedModel(client, caPem) {
  const snapshot = {};
  for (const object of seedManifests(client, caPem)) (snapshot[snapshotKeyFor(object.apiVersion, object.kind)] ??= []).push(object);
  const result = translateGatewayApi(snapshot, { assumeClassesWhenAbsent: true });
  const upstream = result.upstreams.find((u) => u.url === `https://${SERVICE}`);
  if (!upstream?.tls?.clientCertificate) throw new Error(`the seed model has no mTLS upstream https://${SERVICE}`);
  if (upstream.tls.verification?.mode === 'none') throw new Error(`the seed model does not verify https://${SERVICE}`);
  return { upstream, credentials: result.credentials };
}

/**
 * `concurrency` dial loops for `seconds`; each socket is closed as soon as it is ready.
 * Several dials in flight keep both ends busy, so the rate follows the handshake's CPU
 * cost rather than the scheduler's wake-up latency on a loaded machine.
 */
async function loop(dialer, seconds, concurrency, upstreamPid) {
  let count = 0;
  let reused = 0;
  const cpu = process.cpuUsage();
  const upstreamCpu = upstreamPid ? treeCpuSeconds(upstreamPid) : NaN;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  const worker = async () => {
    while (process.hrtime.bigint() < end) {
      const socket = await dialer.connect();
      count++;
      if (connectionInfo(socket)?.sessionReused) reused++;
      socket.destroy();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  // CPU per handshake on each side shows what resumption saves and what it does not.
  return {
    count,
    reused,
    seconds: Number(process.hrtime.bigint() - start) / 1e9,
    clientCpuUs: (used.user + used.system) / count,
    upstreamCpuUs: ((treeCpuSeconds(upstreamPid) - upstreamCpu) * 1e6) / count,
  };
}

/**
 * @param {{ client: { certPem: string, keyPem: string }, caPem: string, upstreamPort: number, upstreamPid?: number, seconds: number, rounds: number, concurrency?: number }} options
 */
export async function handshakeRates({ client, caPem, upstreamPort, upstreamPid, seconds, rounds, concurrency = 8 }) {
  const { upstream, credentials } = seedModel(client, caPem);
  const [host, port] = SERVICE.split(':');
  const resolve = (h, p) => (h === host && p === Number(port) ? { host: '127.0.0.1', port: upstreamPort } : undefined);
  const original = tls.createSecureContext;
  let builds = 0;
  tls.createSecureContext = function (...args) {
    builds++;
    return Reflect.apply(original, this, args);
  };
  try {
    const full = createUpstreamDialer(upstream, { credentials, resolve, sessionCache: false });
    const resumed = createUpstreamDialer(upstream, { credentials, resolve });
    // Warm-up: JIT, the shared SecureContext, and the first ticket in the session cache.
    await loop(full, 0.3, concurrency);
    await loop(resumed, 0.3, concurrency);
    const perRound = [];
    let connections = 0;
    for (let round = 0; round < rounds; round++) {
      // Alternate which mode goes first so drift on a shared machine hits both alike.
      const order = round % 2 ? ['resumed', 'full'] : ['full', 'resumed'];
      const result = {};
      for (const mode of order) {
        const r = await loop(mode === 'full' ? full : resumed, seconds, concurrency, upstreamPid);
        connections += r.count;
        result[mode] = {
          perSecond: r.count / r.seconds,
          reusedShare: r.reused / r.count,
          clientCpuUs: r.clientCpuUs,
          upstreamCpuUs: r.upstreamCpuUs,
        };
      }
      perRound.push(result);
    }
    return { perRound, secureContextBuilds: builds, connections, concurrency };
  } finally {
    tls.createSecureContext = original;
  }
}
