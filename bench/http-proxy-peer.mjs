// A Node peer: node-http-proxy (`http-proxy`) as an embedding user would set it up in front
// of the bench's mTLS upstream — an https.Agent carrying the client certificate, the test CA
// as the only trust, SNI and the name check on the Service name, keep-alive and sized like
// kupstream's pools (256 sockets, 30 s idle) — with X-Forwarded-* headers (`xfwd`), as nginx
// and kupstream add them. Its responses are piped (`proxyRes.pipe(res)`). node-http-proxy
// passes the hop-by-hop `Connection` header through in both directions: as a careful user
// would, the peer keeps its upstream connections alive whatever the client asked, and drops
// the upstream's `Connection` from the answer so the client's own choice is answered.
// Runs as a child (bench/node-proxy-process.mjs).
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath, pathToFileURL } from 'node:url';
import httpProxy from 'http-proxy';
import { readProxyInput, startNodeProxy } from './node-proxy-process.mjs';
import { peerAgentSizing, peerTlsOptions } from './peer-tls.mjs';

/** @param {{ client: { certPem: string, keyPem: string }, caPem: string, upstreamPort: number, serverName: string }} input */
export function startHttpProxyPeer(input) {
  return startNodeProxy(fileURLToPath(import.meta.url), input);
}

async function main() {
  const input = await readProxyInput();
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: peerAgentSizing.connections,
    maxFreeSockets: peerAgentSizing.connections,
    timeout: peerAgentSizing.idleMs,
    scheduling: 'lifo',
    ...peerTlsOptions(input),
  });
  const proxy = httpProxy.createProxyServer({
    target: `https://127.0.0.1:${input.upstreamPort}`,
    agent,
    secure: true,
    xfwd: true,
  });
  proxy.on('error', (_err, _req, res) => {
    if (!(res instanceof http.ServerResponse)) return void res.destroy();
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  });
  // Otherwise a client's `close` closes the pooled upstream connection after every request...
  proxy.on('proxyReq', (proxyReq) => proxyReq.setHeader('connection', 'keep-alive'));
  // ...and the upstream's `keep-alive` is answered to a client that asked for `close`.
  proxy.on('proxyRes', (proxyRes) => delete proxyRes.headers.connection);
  const server = http.createServer((req, res) => proxy.web(req, res));
  server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
  process.on('SIGTERM', () => process.exit(0));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
