// The traffic listener of `serve`: binding with a clear message when the address is
// unusable, and a graceful stop (no new connections, in-flight requests drained up to a
// deadline, then whatever is left is cut).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StartupError } from '../errors.js';
import type { HostPort } from '../args/flag-values.js';

export function listen(server: Server, address: HostPort): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'the address is in use'
          : error.code === 'EADDRNOTAVAIL'
            ? 'the address is not local'
            : error.code === 'EACCES'
              ? 'permission denied'
              : error.message;
      reject(new StartupError(`cannot listen on ${address.host}:${address.port}: ${why}`));
    };
    server.once('error', onError);
    server.listen(address.port, address.host, () => {
      server.off('error', onError);
      const bound = server.address() as AddressInfo;
      resolve(`http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`);
    });
  });
}

export interface DrainOutcome {
  /** In-flight requests were still running at the deadline and were cut. */
  cut: boolean;
}

/**
 * Stops accepting connections at once, closes idle keep-alive ones, waits for `drain`
 * (the proxy finishing the requests in flight) at most `timeoutMs`, then closes every
 * connection left.
 */
export async function drainAndClose(server: Server, drain: () => Promise<void>, timeoutMs: number): Promise<DrainOutcome> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let cut = false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      cut = true;
      resolve();
    }, timeoutMs);
  });
  // Cutting the connections also ends the proxy's wait for them, so `drain` settles too.
  await Promise.race([drain(), deadline]);
  server.closeAllConnections();
  await drain();
  clearTimeout(timer);
  await closed;
  return { cut };
}
