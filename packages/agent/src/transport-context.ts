// What the proxy hands each transport module (HTTP/1.1, HTTP/2, tunnels): its pools, the
// shared response deadline, its own answers and events, the open tunnels, and the endpoint
// a request was balanced to.
import type { EndpointAddress } from './endpoints/upstream-endpoints.js';
import type { ProxyAnswers } from './proxy-answers.js';
import type { UpstreamPools } from './pools.js';
import type { ResponseDeadlines } from './timeouts/response-deadline.js';
import type { Tunnels } from './tunnels.js';

export interface TransportContext {
  readonly pools: UpstreamPools;
  /** The response deadline; a route's timeouts and retry wrap it per attempt (request-attempts.ts). */
  readonly deadlines: Pick<ResponseDeadlines, 'arm' | 'cancel'>;
  readonly answers: ProxyAnswers;
  readonly tunnels: Tunnels;
  /** The endpoint the load balancer chose for this request (absent: the pools choose, or dial the Service name). */
  readonly endpoint?: EndpointAddress;
}
