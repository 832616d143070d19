// @kupstream/agent: the only kupstream package that opens sockets.

// Dialing one upstream (TLS / mutual TLS, typed failures).
export { createUpstreamDialer, connectionInfo } from './dialer.js';
export type {
  UpstreamDialer,
  UpstreamDialerOptions,
  DialOptions,
  ConnectionCallback,
  ConnectorCallback,
  ConnectionInfo,
} from './dialer.js';
export { dialerAgent } from './dialer-agent.js';
export type { DialerAgentOptions } from './dialer-agent.js';
export { upstreamTarget } from './upstream-target.js';
export type { Resolve, UpstreamTarget, UpstreamScheme } from './upstream-target.js';
export { UpstreamDenyList } from './upstream-deny-list.js';
export type { UpstreamDenyOptions } from './upstream-deny-list.js';
export { UpstreamError, isUpstreamError, classifyUpstreamError } from './upstream-errors.js';
export type { UpstreamErrorCode, UpstreamErrorPhase, UpstreamErrorDetails, FailureContext } from './upstream-errors.js';

// Serving a model.
export { createProxy } from './proxy.js';
export type {
  Proxy,
  ProxyOptions,
  ProxyEvents,
  ProxyStats,
  ProxyResponseCode,
  RequestContext,
  UpstreamErrorEvent,
  ResponseEvent,
} from './proxy.js';
export type { UpstreamPoolStats } from './pools.js';
export type { EndpointAddress, EndpointEvent, EndpointStats, UpstreamTrafficStats } from './endpoints/upstream-endpoints.js';
export { pickEndpoint, tierOf } from './endpoints/endpoint-picker.js';
export { checkEndpoint, CONFIGURATION_FAILURES } from './endpoints/health-check-probe.js';
export type { HealthCheckCode, HealthCheckOutcome, HealthCheckRequest, HealthCheckVerdict } from './endpoints/health-check-probe.js';
export { healthCheckHandshakes, mergeHandshakeVerdicts } from './endpoints/health-check-handshakes.js';
export type { HealthCheckReport } from './endpoints/health-check-handshakes.js';
export type { HealthCheckSettings, TrafficSettings } from './endpoints/traffic-settings.js';
export type { LoadBalancer, PickableEndpoint, PickerState } from './endpoints/endpoint-picker.js';
export { ANY_LISTENER } from './listeners/listener-context.js';
export { FrontendTls, DEFAULT_FRONTEND_TLS, clientIdentityFor } from './listeners/frontend-tls.js';
export type { FrontendTlsOptions, AcceptedTls, TlsRefusal } from './listeners/frontend-tls.js';
export { CLIENT_IDENTITY_HEADERS } from './listeners/client-identity.js';
export type { ClientIdentity } from './listeners/client-identity.js';
export { parseClientHello, readClientHello } from './listeners/client-hello.js';
export type { ClientHelloOutcome, HelloRead } from './listeners/client-hello.js';
export type { ListenerContext } from './listeners/listener-context.js';

// Listening for a model: HTTP/1.1 + h2c + TLS per listener port, and L4 endpoints (what `kupstream serve` runs).
export { ListenerSet, ProtocolServers, drainListeners, sniffPreface } from './serving/listener-set.js';
export type { ListenerSetOptions, TlsAcceptor, UpgradeListener } from './serving/listener-set.js';
export { L4Listeners } from './serving/l4-listeners.js';
export type { L4ListenerOptions } from './serving/l4-listeners.js';
export { TlsConnections } from './serving/tls-connections.js';
export { DEFAULT_LISTENER_LABELS, ListenError } from './serving/listen-options.js';
export type { HostPort, GatewayPortMapping, L4Mapping, ListenerLog, ListenerLabels } from './serving/listen-options.js';

// Building blocks, shareable between dialers.
export { SecureContextCache, secureContextCacheFor } from './secure-context-cache.js';
export type { ContextEntry, ContextRequest } from './secure-context-cache.js';
export { SessionCache, sessionKey } from './session-cache.js';
export { sessionCacheFor } from './dialer.js';
export type { SessionKeyParts } from './session-cache.js';
export { proxyProtocolHeader } from './proxy-protocol.js';
export type { ProxyAddresses } from './proxy-protocol.js';
export {
  DEFAULT_TIMEOUTS,
  DEFAULT_MAX_CACHED_SESSIONS,
  DEFAULT_MAX_SOCKETS_PER_POOL,
  DEFAULT_SERVER_TIMEOUTS,
  DEFAULT_MAX_REQUEST_BODY_BYTES,
  DEFAULT_RETRY_BACKOFF_MS,
  DEFAULT_TRAFFIC,
  HEALTH_CHECK_JITTER,
} from './timeouts/defaults.js';
export type { Timeouts, ServerTimeouts, TrafficDefaults } from './timeouts/defaults.js';

// The host's server: timeouts and header limits against idle and slow clients.
export { applyServerTimeouts } from './server-timeouts.js';

// The credential store lives in core; re-exported so hosts need one import.
export { CredentialStore } from '@kupstream/core';
export type { CredentialChange, ClientCredential, SecretKey, StoredClientCredential } from '@kupstream/core';

// Handshake truth: probing TLS upstreams with their real identity, and the status it gives.
export { probeHandshake, HandshakeProber, isProbed } from './handshake-probe.js';
export type { HandshakeVerdict, HandshakeProbeOptions, HandshakeProberOptions, HandshakeProberEvents } from './handshake-probe.js';
export { withHandshakeConditions, HANDSHAKE_CONDITION, HANDSHAKE_OK_REASON } from './handshake-status.js';
