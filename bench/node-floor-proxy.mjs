// A third, diagnostic row: the smallest reverse proxy Node can be on the agent's own
// dialer (http.Agent keep-alive + pipe, no routing, no header hygiene, no timers, no
// events). It is not a target; it separates what the agent and CLI add per request from
// what Node's http and tls stacks cost on this machine, so a gap to nginx can be read as
// "kupstream's code" (kupstream vs this) or "the runtime" (this vs nginx).
// Run as a child: node bench/node-floor-proxy.mjs UPSTREAM_PORT (client cert PEMs on stdin as JSON).
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { createUpstreamDialer } from '@kupstream/agent';
import { seedModel } from './handshakes.mjs';
import { SERVICE } from './kupstream-proxy.mjs';
import { spawnTracked } from './processes.mjs';

/** Starts the floor proxy as a child process; resolves with its port and pid. */
export async function startNodeFloor({ client, upstreamPort }) {
  const proc = spawnTracked(process.execPath, [new URL(import.meta.url).pathname, String(upstreamPort)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  proc.child.stdin.end(JSON.stringify({ certPem: client.certPem, keyPem: client.keyPem }));
  let stderr = '';
  proc.child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  const port = await new Promise((resolve, reject) => {
    let out = '';
    proc.child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    proc.exited.then(({ code, signal }) => reject(new Error(`node floor proxy exited (${code ?? signal}): ${stderr}`)));
  });
  return { port, pid: proc.child.pid, stop: () => proc.stop('SIGTERM') };
}

async function main() {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const { upstream, credentials } = seedModel(JSON.parse(input));
  const upstreamPort = Number(process.argv[2]);
  const dialer = createUpstreamDialer(upstream, { credentials, resolve: () => ({ host: '127.0.0.1', port: upstreamPort }) });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' });
  // Ready-checked connections, as the agent's own pools do (createConnection is async here).
  agent.createConnection = (_options, callback) => {
    dialer.connect().then(
      (socket) => callback(null, socket),
      (err) => callback(err),
    );
    return undefined;
  };
  const [host, port] = SERVICE.split(':');
  const server = http.createServer((req, res) => {
    // Connection is hop-by-hop: a client's `close` must not close the pooled upstream connection.
    const headers = { ...req.headers };
    delete headers.connection;
    const upReq = http.request({ agent, host, port: Number(port), method: req.method, path: req.url, headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    upReq.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upReq);
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
  process.on('SIGTERM', () => process.exit(0));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
