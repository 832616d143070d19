// The `--admin` server and the inspector, as a library the CLI wires in (see README.md).
export { RequestLog, statusMatcher, DEFAULT_REQUEST_LOG_CAPACITY, DEFAULT_MAX_BODY_BYTES } from './request-log.js';
export type {
  RequestRecord,
  RequestEntry,
  RequestLogOptions,
  RequestFilter,
  RequestListener,
  RequestSink,
  CapturedBody,
} from './request-log.js';
export {
  DEFAULT_REDACTED_HEADERS,
  REDACTED_VALUE,
  REDACTED_KEY,
  redactHeaders,
  redactedHeaderSet,
  redactPrivateKeys,
  scrubPrivateKeys,
} from './redaction.js';
export type { HeaderRecord } from './redaction.js';
export { instrumentHandler, ERROR_HEADER } from './instrument-handler.js';
export type { InstrumentOptions, RequestRouting } from './instrument-handler.js';
export { attributeProxyEvents, recordProxyMetrics, recordUpgrades } from './proxy-events.js';
export type {
  ProxyAttribution,
  ProxyEventSource,
  ProxyRequestContext,
  ProxyResponseEvent,
  ProxyUpstreamErrorEvent,
} from './proxy-events.js';
export { createMetrics } from './metrics.js';
export { endpointState, ENDPOINT_STATES } from './traffic-facts.js';
export type { EndpointFacts, TrafficFacts, EndpointState } from './traffic-facts.js';
export type { AdminMetrics, MetricsOptions, PoolStats, HandshakeFacts, WorkerFacts } from './metrics.js';
export { createLogger, LOG_REDACT_PATHS } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export { createAdminServer, AdminServer } from './admin-server.js';
export type { AdminServerOptions } from './admin-server.js';
export { statusView, endpointsView, upstreamsView, diagnosticsView, requestSummary, certificateView, scopedConditions } from './api.js';
export type {
  AdminState,
  StatusView,
  UpstreamView,
  VerificationView,
  VerificationFailure,
  EndpointView,
  ClientCertificateView,
  RequestSummary,
  ResourceStatusView,
  ScopedCondition,
  WorkerView,
} from './api.js';
export { createEventStream } from './events-stream.js';
export type { EventStream, EventStreamOptions } from './events-stream.js';
export { assertAdminBind, parseAdminAddress, isLoopbackHost, AdminBindError, DEFAULT_ADMIN_HOST } from './bind-address.js';
export type { AdminAddress } from './bind-address.js';
export { startAdmin } from './admin-runtime.js';
export type { AdminRuntime, AdminRuntimeOptions, UpgradeListener } from './admin-runtime.js';
