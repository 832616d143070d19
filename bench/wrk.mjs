// One wrk run on loopback. wrk's human summary rounds (e.g. "1.02GB"), so a Lua `done`
// hook prints the exact totals and latency percentiles as one JSON line instead.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnTracked, tempDir } from './processes.mjs';

const SCRIPT = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"bytes":%d,"durationUs":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"statusErrors":%d,"timeouts":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

let scriptPath;

/**
 * @param {{ port: number, path: string, host: string, connections: number, threads?: number, seconds: number, close?: boolean }} run
 * @returns {Promise<{ requests: number, bytes: number, seconds: number, errors: number, statusErrors: number, p50Ms: number, p99Ms: number }>}
 */
export async function wrk({ port, path, host, connections, threads = 2, seconds, close = false }) {
  // The script's temp dir goes with the suite's cleanup; a later suite in the same process writes it again.
  if (!scriptPath || !existsSync(scriptPath)) {
    scriptPath = join(await tempDir('kupstream-bench-wrk-'), 'report.lua');
    await writeFile(scriptPath, SCRIPT);
  }
  const args = [
    '-t',
    String(Math.min(threads, connections)),
    '-c',
    String(connections),
    '-d',
    `${seconds}s`,
    '--timeout',
    '10s',
    '-s',
    scriptPath,
    '-H',
    `Host: ${host}`,
  ];
  if (close) args.push('-H', 'Connection: close');
  args.push(`http://127.0.0.1:${port}${path}`);
  const proc = spawnTracked('wrk', args);
  let out = '';
  let err = '';
  proc.child.stdout.on('data', (chunk) => (out += chunk));
  proc.child.stderr.on('data', (chunk) => (err += chunk));
  const { code } = await proc.exited;
  const line = /^WRKJSON (.*)$/m.exec(out);
  if (code !== 0 || !line) throw new Error(`wrk ${args.join(' ')} failed (${code}): ${err || out}`);
  const r = JSON.parse(line[1]);
  return {
    requests: r.requests,
    bytes: r.bytes,
    seconds: r.durationUs / 1e6,
    errors: r.connectErrors + r.readErrors + r.writeErrors + r.timeouts,
    statusErrors: r.statusErrors,
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
  };
}
