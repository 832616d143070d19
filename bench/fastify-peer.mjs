// A Node peer: fastify + @fastify/reply-from, as an embedding user would set them up in
// front of the bench's mTLS upstream — reply-from's undici Agent carrying the client
// certificate, the test CA as the only trust, SNI and the name check on the Service name,
// sized like kupstream's pools (256 connections, no pipelining, 30 s idle) — with request
// bodies streamed (no body parsing) and X-Forwarded-* headers added, as nginx and
// kupstream do. reply-from sends the upstream's host as Host (its default). It passes the
// upstream's hop-by-hop `Connection` header on to the client: as a careful user would, the
// peer drops it, so a client that asked for `close` is not answered `keep-alive`.
// Runs as a child (bench/node-proxy-process.mjs).
import { fileURLToPath, pathToFileURL } from 'node:url';
import replyFrom from '@fastify/reply-from';
import Fastify from 'fastify';
import { readProxyInput, startNodeProxy } from './node-proxy-process.mjs';
import { peerAgentSizing, peerTlsOptions } from './peer-tls.mjs';

/** @param {{ client: { certPem: string, keyPem: string }, caPem: string, upstreamPort: number, serverName: string }} input */
export function startFastifyPeer(input) {
  return startNodeProxy(fileURLToPath(import.meta.url), input);
}

async function main() {
  const input = await readProxyInput();
  const app = Fastify({ logger: false });
  // Proxy request bodies as streams instead of parsing them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  await app.register(replyFrom, {
    base: `https://127.0.0.1:${input.upstreamPort}`,
    disableRequestLogging: true,
    undici: {
      connections: peerAgentSizing.connections,
      pipelining: 1,
      keepAliveTimeout: peerAgentSizing.idleMs,
      keepAliveMaxTimeout: peerAgentSizing.idleMs,
      connect: peerTlsOptions(input),
    },
  });
  const forwarded = (request, headers) => ({
    ...headers,
    'x-forwarded-for': request.raw.socket.remoteAddress,
    'x-forwarded-host': request.headers.host,
    'x-forwarded-proto': 'http',
  });
  const endToEnd = (headers) => {
    delete headers.connection;
    return headers;
  };
  app.all('/*', (request, reply) => {
    reply.from(request.url, { rewriteRequestHeaders: forwarded, rewriteHeaders: endToEnd });
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`listening ${new URL(address).port}`);
  process.on('SIGTERM', () => process.exit(0));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
