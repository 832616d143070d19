// Embedding the dialer in your own proxy: a few lines of node:http forwarding every
// request to one upstream of a kupstream model, over mutual TLS, with keep-alive.
// The dialer decides SNI, ALPN, the client certificate and verification from the model;
// your code keeps full control of the HTTP side.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUpstreamDialer, dialerAgent, isUpstreamError, type CredentialStore, type Resolve } from '@kupstream/agent';
import type { Upstream } from '@kupstream/core';

export interface CustomProxy {
  port: number;
  close(): Promise<void>;
}

export async function startCustomProxy(upstream: Upstream, credentials: CredentialStore, resolve?: Resolve): Promise<CustomProxy> {
  const dialer = createUpstreamDialer(upstream, { credentials, ...(resolve ? { resolve } : {}) });
  // Keep-alive pools per client identity: a rotated or deleted Secret never rides an old connection.
  const agent = dialerAgent(dialer);

  const server = http.createServer((req, res) => {
    const upstreamReq = http.request({ agent, method: req.method, path: req.url, headers: req.headers }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    upstreamReq.on('error', (err) => {
      // Dialer failures arrive typed: answer with the stable code, log nothing secret.
      const code = isUpstreamError(err) ? err.code : 'upstream_error';
      if (!res.headersSent) res.writeHead(isUpstreamError(err) ? err.status : 502, { 'x-upstream-error': code });
      res.end(`${code}\n`);
    });
    req.pipe(upstreamReq);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((done) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
