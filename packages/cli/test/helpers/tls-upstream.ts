// A real TLS upstream on loopback that answers with what it saw of the client's
// certificate; with `clientCa` it demands a certificate signed by that CA (mutual TLS).
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface UpstreamAnswer {
  upstream: string;
  path: string;
  host: string;
  /** `CN=ExampleClient`, or null when the client presented no certificate. */
  clientSubject: string | null;
}

export interface TlsUpstream {
  port: number;
  /** Paths of the requests received so far, in order. */
  readonly received: readonly string[];
  close(): Promise<void>;
}

export interface TlsUpstreamOptions {
  cert: string;
  key: string;
  clientCa?: string;
  /** Requests whose path starts with `/slow` are answered this much later (a slow upstream). */
  slowMs?: number;
  /** The status `/healthz` answers (read per request); default 200. */
  healthStatus?: () => number;
}

export async function startTlsUpstream(
  name: string,
  { cert, key, clientCa, slowMs = 0, healthStatus }: TlsUpstreamOptions,
): Promise<TlsUpstream> {
  const received: string[] = [];
  const server: Server = createServer(
    {
      cert,
      key,
      ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: true } : { requestCert: true, rejectUnauthorized: false }),
    },
    (req, res) => {
      received.push(req.url ?? '');
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const subject =
        peer && peer.subject
          ? Object.entries(peer.subject)
              .map(([k, v]) => `${k}=${String(v)}`)
              .join(', ')
          : null;
      const answer: UpstreamAnswer = { upstream: name, path: req.url ?? '', host: req.headers.host ?? '', clientSubject: subject };
      res.setHeader('content-type', 'application/json');
      if (req.url === '/healthz' && healthStatus) res.statusCode = healthStatus();
      const delay = req.url?.startsWith('/slow') ? slowMs : 0;
      setTimeout(() => res.end(JSON.stringify(answer)), delay);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
