// A custom reverse proxy of your own: node:http on the front, one kupstream upstream
// behind it. kupstream's dialer owns the TLS side (SNI, ALPN, client certificate,
// verification, typed failures); this file owns the HTTP side: headers, logging, errors.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { connectionInfo, createUpstreamDialer, isUpstreamError } from '@kupstream/agent';

// Hop-by-hop headers belong to one connection and are never forwarded (RFC 9110 §7.6.1).
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/**
 * @param {object} options
 * @param {import('@kupstream/core').Upstream} options.upstream one upstream of a kupstream model
 * @param {import('@kupstream/core').CredentialStore} options.credentials where its client certificate is
 * @param {import('@kupstream/agent').Resolve} [options.resolve] upstream host:port -> address (default DNS)
 * @param {(line: string) => void} [options.log]
 */
export async function startProxy({ upstream, credentials, resolve, log = console.log }) {
  const dialer = createUpstreamDialer(upstream, { credentials, resolve });
  const agent = new http.Agent({ keepAlive: true });
  // Every pooled connection is dialed by kupstream. Handing the socket over only through
  // the callback (returning nothing) makes http.Agent wait for the dialer's verdict: under
  // TLS 1.3 an upstream rejects our certificate after the handshake, and only the callback
  // carries that typed error (a returned socket would just "hang up").
  agent.createConnection = (options, callback) => void dialer.createConnection(options, callback);
  // http.Agent reuses a kept-alive socket by getName(); naming the pool by the dialer's
  // identity (it includes the Secret's version) means a rotated certificate gets fresh
  // connections at once instead of the ones made with the old certificate.
  agent.getName = (options) => options.identity;
  const upstreamHost = new URL(upstream.url).host;

  const server = http.createServer((req, res) => {
    const started = performance.now();
    const id = req.headers['x-request-id'] ?? randomUUID();
    const fail = (error) => {
      // Dialer failures are typed (client_certificate_rejected, connect_timeout, ...): answer with the code.
      const [status, code] = isUpstreamError(error) ? [error.status, error.code] : [502, 'upstream_error'];
      log(`${id} ${req.method} ${req.url} -> ${status} ${code}: ${error.message}`);
      if (!res.headersSent) res.writeHead(status, { 'x-upstream-error': code, 'x-request-id': id });
      res.end(`${code}\n`);
    };
    let identity;
    try {
      identity = dialer.identity(); // throws when the certificate is not in the store: fail closed
    } catch (error) {
      return fail(error);
    }
    const headers = {
      ...req.headers,
      host: upstreamHost,
      'x-request-id': id,
      'x-forwarded-host': req.headers.host,
      'x-forwarded-for': [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', '),
    };
    for (const name of HOP_BY_HOP) delete headers[name];

    const forward = http.request({ agent, identity, method: req.method, path: req.url, headers }, (answer) => {
      // Which client identity the connection used: worth logging, and never key material.
      log(
        `${id} ${req.method} ${req.url} -> ${answer.statusCode} as ${connectionInfo(forward.socket)?.clientIdentity} in ${Math.round(performance.now() - started)} ms`,
      );
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-request-id': id });
      answer.pipe(res);
    });
    forward.on('error', fail);
    req.pipe(forward);
  });

  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: server.address().port,
    close: () =>
      new Promise((done) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
