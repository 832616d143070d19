// What the proxy knows about the listener a request arrived on: the Gateway listener port it
// stands for (routing by port), the ports other listeners serve, and, on TLS connections, the
// check that the request's Host belongs to the connection's listener (421 otherwise) and the
// client certificate's identity to forward.
import type http from 'node:http';
import type { ClientIdentity } from './client-identity.js';

export interface ListenerContext {
  /** The Gateway listener port the connection stands for: only endpoints on it are routed. Absent: every port. */
  readonly port?: number;
  /** Ports served by listeners of their own: endpoints on them are not routed here (only without `port`). */
  readonly excludedPorts?: ReadonlySet<number>;
  /**
   * On a TLS connection: whether the request's host belongs to the listener the client's SNI
   * chose. A request for another listener's host is misdirected (421, RFC 9110 §15.5.20).
   */
  readonly hostAllowed?: (host: string, req: http.IncomingMessage) => boolean;
  /** On a TLS connection: the client certificate's identity, forwarded in the `x-kupstream-client-*` headers. */
  readonly clientIdentity?: (req: http.IncomingMessage) => ClientIdentity | undefined;
}

/** The listener of a server without one of its own: every port routed, no TLS. */
export const ANY_LISTENER: ListenerContext = Object.freeze({});
