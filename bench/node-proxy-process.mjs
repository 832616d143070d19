// Runs one of the bench's Node proxies (the floor, node-http-proxy, fastify +
// @fastify/reply-from) as its own process, so its CPU and RSS can be read from /proc like
// the other proxies'. The parent hands it the client certificate, the CA and the upstream
// on stdin (keys never touch argv or disk); the child prints `listening PORT` once it serves.
import { spawnTracked } from './processes.mjs';

/**
 * @param {string} script absolute path of the proxy's module (its `main` reads the JSON from stdin)
 * @param {{ client: { certPem: string, keyPem: string }, caPem: string, upstreamPort: number, serverName: string }} input
 * @param {string[]} [args] after the script
 * @returns {Promise<{ port: number, pid: number, stop(): Promise<void> }>}
 */
export async function startNodeProxy(script, { client, caPem, upstreamPort, serverName }, args = []) {
  const proc = spawnTracked(process.execPath, [script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  proc.child.stdin.end(JSON.stringify({ client: { certPem: client.certPem, keyPem: client.keyPem }, caPem, upstreamPort, serverName }));
  let stderr = '';
  proc.child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not listen within 20 s: ${stderr}`)), 20000);
    proc.child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    proc.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}): ${stderr}`));
    });
  }).catch(async (err) => {
    await proc.stop('SIGKILL');
    throw err;
  });
  proc.child.stdout.resume();
  return { port, pid: proc.child.pid, stop: () => proc.stop('SIGTERM') };
}

/** In the child: the JSON the parent wrote to stdin. */
export async function readProxyInput() {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  return JSON.parse(input);
}
