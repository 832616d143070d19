// The demo's moving parts: a TLS upstream (optionally demanding client certificates),
// the kupstream agent behind a local HTTP listener, and a tiny HTTP client.
import http from 'node:http';
import https from 'node:https';
import { createProxy } from '@kupstream/agent';
import { startAdmin } from '@kupstream/admin';

export async function startUpstream({ cert, key, clientCa }) {
  const log = [];
  const server = https.createServer(
    { cert, key, ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: true } : {}) },
    (req, res) => {
      const peer = req.socket.getPeerCertificate();
      const who = peer && peer.subject ? `client certificate CN=${peer.subject.CN}` : 'no client certificate';
      log.push(`${req.method} ${req.url} from ${who}`);
      res.end(`hello from the upstream over TLS (SNI ${req.socket.servername ?? 'none'}); ${who}\n`);
    },
  );
  server.on('tlsClientError', (error) => log.push(`refused a TLS handshake: ${error.code ?? error.message}`));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    log,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * Runs the agent for a translated model; `routes` maps upstream host:port to a local
 * port (like --resolve). With `inspector`, the admin server and its inspector page run
 * beside it on a loopback port, as `kupstream serve --admin` does.
 */
export async function serveModel(result, routes, { inspector = false } = {}) {
  const resolve = (host, port) => (routes[`${host}:${port}`] ? { host: '127.0.0.1', port: routes[`${host}:${port}`] } : undefined);
  const proxy = createProxy({ model: result, credentials: result.credentials, resolve });
  const admin = inspector ? await startAdmin({ address: '127.0.0.1:0', proxy, pools: () => proxy.stats().upstreams }) : undefined;
  const server = http.createServer(admin ? admin.instrument(proxy.handler) : proxy.handler);
  admin?.setModel(result, { credentials: result.credentials });
  admin?.setReady(true);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    inspectorUrl: admin ? `${admin.url}/` : undefined,
    swap: async (next) => {
      proxy.update(next, next.credentials);
      admin?.setModel(next, { credentials: next.credentials });
    },
    close: async () => {
      await proxy.close();
      server.closeAllConnections?.();
      await new Promise((r) => server.close(() => r()));
      await admin?.close();
    },
  };
}

export function request(port, host, path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.setTimeout(15000, () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', reject);
    req.end();
  });
}
