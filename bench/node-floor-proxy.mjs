// A third, diagnostic row: the smallest reverse proxy Node can be on the agent's own
// dialer (http.Agent keep-alive + pipe, no routing, no header hygiene, no timers, no
// events). It is not a target; it separates what the agent and CLI add per request from
// what Node's http and tls stacks cost on this machine, so a gap to nginx can be read as
// "kupstream's code" (kupstream vs this) or "the runtime" (this vs nginx).
// Runs as a child (bench/node-proxy-process.mjs).
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createUpstreamDialer } from '@kupstream/agent';
import { seedModel } from './handshakes.mjs';
import { SERVICE } from './kupstream-proxy.mjs';
import { readProxyInput, startNodeProxy } from './node-proxy-process.mjs';

/** Starts the floor proxy as a child process; resolves with its port and pid. */
export function startNodeFloor({ client, caPem, upstreamPort }) {
  return startNodeProxy(fileURLToPath(import.meta.url), { client, caPem, upstreamPort, serverName: SERVICE.split(':')[0] });
}

async function main() {
  const { client, caPem, upstreamPort } = await readProxyInput();
  const { upstream, credentials } = seedModel(client, caPem);
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
