// The downstream side belongs to the host's http.Server, not to the proxy; this sets the
// limits that keep idle, half-open and slow clients from holding it. Node checks
// headersTimeout only every 30 s (connectionsCheckingInterval, fixed at construction),
// so an inactivity timer closes silent connections on time.
import type http from 'node:http';
import type net from 'node:net';
import { resolveServerTimeouts, type ServerTimeouts } from './timeouts/defaults.js';

/**
 * Sets header/request/keep-alive/idle timeouts and the header size limit on a host's
 * server (defaults `DEFAULT_SERVER_TIMEOUTS`). Call before `listen()`. A connection whose
 * request is waiting for a slow upstream is not idle: the proxy's response timeout covers it.
 */
export function applyServerTimeouts(server: http.Server, timeouts?: Partial<ServerTimeouts>): ServerTimeouts {
  const limits = resolveServerTimeouts(timeouts);
  server.headersTimeout = Math.min(limits.headers, limits.request);
  server.requestTimeout = limits.request;
  server.keepAliveTimeout = limits.keepAlive;
  // Read by Node for every new connection's parser; the constructor option is not the only way in.
  Reflect.set(server, 'maxHeaderSize', limits.maxHeaderBytes);
  server.timeout = limits.idle;
  const busy = new WeakSet<net.Socket>();
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    busy.add(req.socket);
    res.once('close', () => busy.delete(req.socket));
  });
  // With a 'timeout' listener Node leaves the socket alone: close only those without a request.
  server.on('timeout', (socket: net.Socket) => {
    if (!busy.has(socket)) socket.destroy();
  });
  return limits;
}
