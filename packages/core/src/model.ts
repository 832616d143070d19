// The normalized model: the JSON contract that `kupstream translate` prints (DESIGN §3).
// Everything here is plain data; key material never appears in it.

/** Points at the Kubernetes object (and optionally the listener/section) a fact came from. */
export interface ResourceRef {
  kind: string;
  namespace?: string;
  name: string;
  /** Gateway listener name, Service port name, ... */
  section?: string;
}

export type PathMatchType = 'Exact' | 'PathPrefix' | 'RegularExpression';
export type ValueMatchType = 'Exact' | 'RegularExpression';

export interface PathMatch {
  type: PathMatchType;
  value: string;
}
export interface HeaderMatch {
  name: string;
  type: ValueMatchType;
  value: string;
}
export interface QueryParamMatch {
  name: string;
  type: ValueMatchType;
  value: string;
}
export interface Match {
  path?: PathMatch;
  headers?: HeaderMatch[];
  queryParams?: QueryParamMatch[];
  method?: string;
}

export interface HeaderValue {
  name: string;
  value: string;
}
export interface HeaderModifier {
  set?: HeaderValue[];
  add?: HeaderValue[];
  remove?: string[];
}
export interface PathModifier {
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  replaceFullPath?: string;
  replacePrefixMatch?: string;
}

/** Route filters, in the Gateway API's own shapes. */
export type Filter =
  | { type: 'RequestHeaderModifier'; requestHeaderModifier: HeaderModifier }
  | { type: 'ResponseHeaderModifier'; responseHeaderModifier: HeaderModifier }
  | {
      type: 'RequestRedirect';
      requestRedirect: { scheme?: string; hostname?: string; path?: PathModifier; port?: number; statusCode?: number };
    }
  | { type: 'URLRewrite'; urlRewrite: { hostname?: string; path?: PathModifier } }
  | { type: 'RequestMirror'; requestMirror: RequestMirror }
  | { type: 'CORS'; cors: Cors };

/** A copy of the request sent to another upstream, its answer discarded. */
export interface RequestMirror {
  /** `Upstream.name` */
  upstream: string;
  /** The share of requests mirrored (absent: all), as the Gateway API fraction; `percent` is read as n/100. */
  fraction?: { numerator: number; denominator: number };
}

/** The Gateway API CORS filter, as written (the agent answers preflights and adds the headers). */
export interface Cors {
  /** `*`, `scheme://host[:port]`, or with a `*` label wildcard in the host. */
  allowOrigins?: string[];
  allowCredentials?: boolean;
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  /** Seconds a preflight answer may be cached (Gateway API default 5). */
  maxAge?: number;
}

/** HTTPRoute rule `timeouts`, in milliseconds; an absent one (or `0s`) leaves the agent's own limits. */
export interface RouteTimeouts {
  /** From the request's arrival to the response head, retries included: 504 `request_timeout`. */
  requestMs?: number;
  /** One attempt at the backend, until its response head: 504 `backend_timeout`. */
  backendRequestMs?: number;
}

/** HTTPRoute rule `retry`. */
export interface RouteRetry {
  /** Retries after the first attempt. */
  attempts: number;
  /** Wait between attempts (ms). */
  backoffMs?: number;
  /** Response statuses retried; connection failures and backend timeouts are always retried. */
  codes?: number[];
}

export interface Backend {
  /** `Upstream.name` */
  upstream: string;
  weight: number;
  /** Filters applied only when this backend is chosen, after the route's. */
  filters?: Filter[];
}

export interface Route {
  name: string;
  /** `[]` means "everything". */
  matches: Match[];
  filters?: Filter[];
  backends: Backend[];
  /** A fixed answer, e.g. 500 when no valid backend is left (Gateway API rule). */
  response?: { status: number };
  timeouts?: RouteTimeouts;
  retry?: RouteRetry;
}

export interface Endpoint {
  name: string;
  /** `https://example-hostname.ngrok.io`, `tcp://host:port`, `tls://host` */
  url: string;
  sources: ResourceRef[];
  /** In match-precedence order; tcp/tls endpoints: one route with no matches. */
  routes: Route[];
  bindings?: string[];
  trafficPolicy?: unknown;
  description?: string;
  metadata?: Record<string, string>;
  /** Frontend TLS material for hosts that terminate TLS themselves (references only). */
  tls?: EndpointTls;
  /** creationTimestamp of the oldest source object: how mergeResults tells the oldest claimant of a URL. */
  createdAt?: string;
}

/**
 * How clients' certificates are checked (the CA bundle is in `credentials` by digest):
 * `require` — a valid certificate is needed (Gateway `AllowValidOnly`, AgentEndpoint `require`);
 * `request` — asked for; none is accepted, an invalid one is refused (AgentEndpoint `request`);
 * `insecureFallback` — asked for; none or an invalid one is accepted, only a valid one is
 * forwarded as verified (Gateway `AllowInsecureFallback`).
 */
export type ClientVerificationMode = 'require' | 'request' | 'insecureFallback';

export interface ClientVerification {
  mode: ClientVerificationMode;
  caSha256: string;
  source: ResourceRef;
  /**
   * The verified leaf certificate goes to the upstream too, URL-encoded PEM in
   * `x-kupstream-client-cert` (as ingress-nginx's `auth-tls-pass-certificate-to-upstream`).
   * Gateway: the listener's `tls.options["kupstream.dev/forward-client-certificate"]: "true"`.
   */
  forwardCertificate?: true;
}

/** TLS terminated for clients by whoever serves the endpoint (serve with --gateway-port, tls:// termination). */
export interface EndpointTls {
  /** Server certificates, chosen by SNI among them (the first when none covers the name). */
  certificates: CertificateInfo[];
  /**
   * The server name (SNI) pattern these certificates answer for: the Gateway listener's
   * hostname, `*` for a listener without one. Absent: the endpoint URL's host.
   */
  serverName?: string;
  /** Client certificates asked of clients (Gateway `spec.tls.frontend`, AgentEndpoint `tlsTermination.mutualTLS`). */
  clientVerification?: ClientVerification;
  /** Lowest TLS version offered to clients; absent: TLS 1.2. */
  minVersion?: TlsVersion;
}

export type SubjectAltName = { type: 'Hostname'; hostname: string } | { type: 'URI'; uri: string };

export type Verification =
  | { mode: 'none' }
  | { mode: 'ca'; caSha256: string; hostname: string; subjectAltNames?: SubjectAltName[]; source: ResourceRef }
  | { mode: 'system'; hostname: string; subjectAltNames?: SubjectAltName[]; source: ResourceRef };

/** Public facts of a validated certificate held in a kubernetes.io/tls Secret. */
export interface CertificateInfo {
  secret: { namespace: string; name: string };
  subject: string;
  issuer: string;
  notAfter: string;
  /** SHA-256 fingerprint of the leaf, colon-separated upper-case hex. */
  sha256: string;
}

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

export interface UpstreamTls {
  /** SNI: the BackendTLSPolicy hostname, else the upstream host. */
  serverName: string;
  alpn: string[];
  minVersion: TlsVersion;
  /** Highest version offered; absent: TLS 1.3. */
  maxVersion?: TlsVersion;
  /** OpenSSL cipher list; absent: Node's default. */
  ciphers?: string;
  /** Longest chain from the server's leaf to the trusted CA (nginx's `proxy_ssl_verify_depth`); absent: OpenSSL's limit. */
  verifyDepth?: number;
  verification: Verification;
  clientCertificate?: CertificateInfo;
}

export type UpstreamProtocol = 'http1' | 'http2';

export type LoadBalancerPolicy = 'round-robin' | 'least-request';

/**
 * How the agent spreads requests over an upstream's endpoints and guards it, from the
 * Service's `kupstream.dev/*` annotations. Only what an annotation sets is here; the agent's
 * defaults table fills the rest. Not part of the upstream's name: the same Service port has
 * the same settings through every route.
 */
export interface UpstreamTraffic {
  /** Absent: least-request (power of two choices). */
  loadBalancer?: LoadBalancerPolicy;
  /** Requests in progress at once (HTTP/1.1: busy connections; HTTP/2: open streams) over all endpoints. */
  maxConnections?: number;
  /** Requests waiting for one of those slots; beyond them 503 `upstream_overflow` at once. */
  maxPendingRequests?: number;
  outlierDetection?: OutlierDetection;
  /** Active health checks (opt-in). */
  healthCheck?: HealthCheck;
}

/** Passive health: consecutive failures eject an endpoint for base x times ejected (capped). */
export interface OutlierDetection {
  /** Connect/handshake failures and 5xx answers in a row that eject; 0 turns ejection off. */
  consecutiveFailures?: number;
  baseEjectionMs?: number;
  maxEjectionMs?: number;
  /** At most this share of the endpoints ejected at once (one may always be, never the last). */
  maxEjectionPercent?: number;
}

export interface HealthCheck {
  /** `http`: a GET of `path` expecting `statuses`; `tls`: a TLS handshake with the upstream's identity and trust. */
  type: 'http' | 'tls';
  path?: string;
  /** Inclusive ranges of expected statuses; absent: 200-399. */
  statuses?: [number, number][];
  intervalMs?: number;
  timeoutMs?: number;
  /** Failed probes in a row before an endpoint is taken out. */
  unhealthyThreshold?: number;
  /** Passed probes in a row before it is taken back. */
  healthyThreshold?: number;
}

export interface Upstream {
  name: string;
  /** `<scheme>://<host>:<port>`; Service-derived: `<scheme>://<svc>.<ns>:<port>` */
  url: string;
  protocol: UpstreamProtocol;
  proxyProtocolVersion?: 1 | 2;
  service?: { namespace: string; name: string; port: number };
  tls?: UpstreamTls;
  /** Load balancing, circuit breaking and health settings of the Service (absent: the agent's defaults). */
  traffic?: UpstreamTraffic;
  /**
   * Set when the upstream needs material that could not be resolved (fail closed):
   * the agent refuses to dial it and answers with this status instead.
   */
  unavailable?: { reason: string; code: string };
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** A metav1.Condition: one definition, in the Gateway API types (its `status` is a `ConditionStatus`). */
export type { Condition } from '@kupstream/gateway-api-types';

/** Ready to PATCH as the object's `.status` subresource. */
export interface ResourceStatus {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  status: Record<string, unknown>;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  code: string;
  message: string;
  resource: ResourceRef;
  /** e.g. `spec.tls.backend.clientCertificateRef` */
  field?: string;
}

export interface TranslationModel {
  endpoints: Endpoint[];
  upstreams: Upstream[];
  statuses: ResourceStatus[];
  diagnostics: Diagnostic[];
}
