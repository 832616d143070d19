// Real loopback TLS servers for the agent's failure paths (never mocks of TLS), closed
// with every connection so mocha exits by itself.
import https from 'node:https';
import net from 'node:net';
import type tls from 'node:tls';

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export async function startHttpsServer(options: tls.TlsOptions): Promise<RunningServer> {
  const server = https.createServer(options, (_req, res) => res.end('ok'));
  // Handshake failures are the point of these servers; they must not crash the test process.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port that was just free: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
