// How the Node peers (node-http-proxy, fastify + @fastify/reply-from) reach the bench's
// upstream: the TLS options (client certificate, the test CA as the only trust anchor,
// SNI and the certificate name check on the Service name, unverified upstreams refused)
// and their pools' sizing, which follows kupstream's defaults (DEFAULT_MAX_SOCKETS_PER_POOL
// connections per upstream, DEFAULT_TIMEOUTS.idle before an idle connection closes).
import { DEFAULT_MAX_SOCKETS_PER_POOL, DEFAULT_TIMEOUTS } from '@kupstream/agent';

export const peerAgentSizing = Object.freeze({ connections: DEFAULT_MAX_SOCKETS_PER_POOL, idleMs: DEFAULT_TIMEOUTS.idle });

/**
 * tls.connect options, for an https.Agent or undici's `connect`.
 * @param {{ client: { certPem: string, keyPem: string }, caPem: string, serverName: string }} input
 */
export function peerTlsOptions({ client, caPem, serverName }) {
  return {
    cert: client.certPem,
    key: client.keyPem,
    ca: caPem,
    servername: serverName,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  };
}
