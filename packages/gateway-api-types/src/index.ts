// TypeScript shapes of the Gateway API objects kupstream reads (gateway.networking.k8s.io).
// Types only, zero runtime. Every field is optional because these describe objects as
// they arrive from manifests, which may be partial or wrong; the API server's defaults
// are noted where they matter.

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface LabelSelectorRequirement {
  key?: string;
  operator?: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/** A reference to a Secret/ConfigMap-like object, possibly in another namespace. */
export interface SecretObjectReference {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}
export interface LocalObjectReference {
  group?: string;
  kind?: string;
  name?: string;
}

// ---------------------------------------------------------------- GatewayClass
export interface GatewayClass {
  apiVersion?: string;
  kind?: 'GatewayClass' | string;
  metadata?: ObjectMeta;
  spec?: {
    controllerName?: string;
    parametersRef?: { group?: string; kind?: string; name?: string; namespace?: string };
    description?: string;
  };
  status?: { conditions?: Condition[]; supportedFeatures?: { name: string }[] };
}

// --------------------------------------------------------------------- Gateway
export type ProtocolType = 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP' | string;

export interface RouteGroupKind {
  group?: string;
  kind?: string;
}

export interface AllowedRoutes {
  namespaces?: { from?: 'All' | 'Same' | 'Selector' | string; selector?: LabelSelector };
  kinds?: RouteGroupKind[];
}

export interface GatewayTLSConfig {
  mode?: 'Terminate' | 'Passthrough' | string;
  certificateRefs?: SecretObjectReference[];
  options?: Record<string, string>;
  /** Listener-level client validation (v1.2–v1.3 experimental). */
  frontendValidation?: { caCertificateRefs?: SecretObjectReference[] };
}

export interface Listener {
  name?: string;
  hostname?: string;
  port?: number;
  protocol?: ProtocolType;
  tls?: GatewayTLSConfig;
  allowedRoutes?: AllowedRoutes;
}

export interface GatewayBackendTLS {
  clientCertificateRef?: SecretObjectReference;
}

export interface FrontendTLSValidation {
  caCertificateRefs?: SecretObjectReference[];
  mode?: 'AllowValidOnly' | 'AllowInsecureFallback' | string;
}

export interface GatewaySpec {
  gatewayClassName?: string;
  listeners?: Listener[];
  addresses?: { type?: string; value?: string }[];
  infrastructure?: { labels?: Record<string, string>; annotations?: Record<string, string>; parametersRef?: unknown };
  /** Gateway API v1.2–v1.3 home of the backend client certificate (the seed's form). */
  backendTLS?: GatewayBackendTLS;
  /** Gateway API v1.4+ (Standard since v1.5). */
  tls?: {
    backend?: GatewayBackendTLS;
    frontend?: {
      default?: { validation?: FrontendTLSValidation };
      perPort?: { port?: number; tls?: { validation?: FrontendTLSValidation } }[];
    };
  };
}

export interface ListenerStatus {
  name: string;
  supportedKinds: RouteGroupKind[];
  attachedRoutes: number;
  conditions: Condition[];
}

export interface Gateway {
  apiVersion?: string;
  kind?: 'Gateway' | string;
  metadata?: ObjectMeta;
  spec?: GatewaySpec;
  status?: { addresses?: { type?: string; value: string }[]; conditions?: Condition[]; listeners?: ListenerStatus[] };
}

// ------------------------------------------------------------------- HTTPRoute
export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  sectionName?: string;
  port?: number;
}

export interface HTTPPathMatch {
  type?: 'Exact' | 'PathPrefix' | 'RegularExpression' | string;
  value?: string;
}
export interface HTTPHeaderMatch {
  type?: 'Exact' | 'RegularExpression' | string;
  name?: string;
  value?: string;
}
export interface HTTPQueryParamMatch {
  type?: 'Exact' | 'RegularExpression' | string;
  name?: string;
  value?: string;
}
export interface HTTPRouteMatch {
  path?: HTTPPathMatch;
  headers?: HTTPHeaderMatch[];
  queryParams?: HTTPQueryParamMatch[];
  method?: string;
}

export interface HTTPHeader {
  name?: string;
  value?: string;
}
export interface HTTPHeaderFilter {
  set?: HTTPHeader[];
  add?: HTTPHeader[];
  remove?: string[];
}
export interface HTTPPathModifier {
  type?: 'ReplaceFullPath' | 'ReplacePrefixMatch' | string;
  replaceFullPath?: string;
  replacePrefixMatch?: string;
}
export interface HTTPRequestRedirectFilter {
  scheme?: string;
  hostname?: string;
  path?: HTTPPathModifier;
  port?: number;
  statusCode?: number;
}
export interface HTTPURLRewriteFilter {
  hostname?: string;
  path?: HTTPPathModifier;
}
export interface HTTPRequestMirrorFilter {
  backendRef?: BackendObjectReference;
  percent?: number;
  fraction?: { numerator?: number; denominator?: number };
}
export interface HTTPRouteFilter {
  type?:
    | 'RequestHeaderModifier'
    | 'ResponseHeaderModifier'
    | 'RequestMirror'
    | 'RequestRedirect'
    | 'URLRewrite'
    | 'ExtensionRef'
    | 'CORS'
    | string;
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestMirror?: HTTPRequestMirrorFilter;
  requestRedirect?: HTTPRequestRedirectFilter;
  urlRewrite?: HTTPURLRewriteFilter;
  extensionRef?: LocalObjectReference;
  cors?: Record<string, unknown>;
}

export interface BackendObjectReference {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  port?: number;
}
export interface HTTPBackendRef extends BackendObjectReference {
  weight?: number;
  filters?: HTTPRouteFilter[];
}

export interface HTTPRouteRule {
  name?: string;
  matches?: HTTPRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
  timeouts?: { request?: string; backendRequest?: string };
  retry?: { codes?: number[]; attempts?: number; backoff?: string };
  sessionPersistence?: unknown;
}

export interface RouteParentStatus {
  parentRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}

export interface HTTPRoute {
  apiVersion?: string;
  kind?: 'HTTPRoute' | string;
  metadata?: ObjectMeta;
  spec?: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: HTTPRouteRule[] };
  status?: { parents?: RouteParentStatus[] };
}

// ------------------------------------------------------------------- GRPCRoute
/** v1 (Standard since Gateway API v1.1). */
export interface GRPCMethodMatch {
  type?: 'Exact' | 'RegularExpression' | string;
  service?: string;
  method?: string;
}
export interface GRPCHeaderMatch {
  type?: 'Exact' | 'RegularExpression' | string;
  name?: string;
  value?: string;
}
export interface GRPCRouteMatch {
  method?: GRPCMethodMatch;
  headers?: GRPCHeaderMatch[];
}
export interface GRPCRouteFilter {
  type?: 'RequestHeaderModifier' | 'ResponseHeaderModifier' | 'RequestMirror' | 'ExtensionRef' | string;
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestMirror?: HTTPRequestMirrorFilter;
  extensionRef?: LocalObjectReference;
}
export interface GRPCBackendRef extends BackendObjectReference {
  weight?: number;
  filters?: GRPCRouteFilter[];
}
export interface GRPCRouteRule {
  name?: string;
  matches?: GRPCRouteMatch[];
  filters?: GRPCRouteFilter[];
  backendRefs?: GRPCBackendRef[];
  sessionPersistence?: unknown;
}
export interface GRPCRoute {
  apiVersion?: string;
  kind?: 'GRPCRoute' | string;
  metadata?: ObjectMeta;
  spec?: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: GRPCRouteRule[] };
  status?: { parents?: RouteParentStatus[] };
}

// ---------------------------------------------------------- TLSRoute, TCPRoute
/** A backendRef of an L4 route: a Service port and a weight. */
export interface L4BackendRef extends BackendObjectReference {
  weight?: number;
}
export interface L4RouteRule {
  name?: string;
  backendRefs?: L4BackendRef[];
}
/** v1 since Gateway API v1.5 (v1alpha2 and v1alpha3 have the same shape for what is read here). */
export interface TLSRoute {
  apiVersion?: string;
  kind?: 'TLSRoute' | string;
  metadata?: ObjectMeta;
  spec?: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: L4RouteRule[] };
  status?: { parents?: RouteParentStatus[] };
}
/** v1 since Gateway API v1.6 (v1alpha2 has the same shape). */
export interface TCPRoute {
  apiVersion?: string;
  kind?: 'TCPRoute' | string;
  metadata?: ObjectMeta;
  spec?: { parentRefs?: ParentReference[]; rules?: L4RouteRule[] };
  status?: { parents?: RouteParentStatus[] };
}

// -------------------------------------------------------------- ReferenceGrant
/** v1beta1, and v1 since Gateway API v1.5. */
export interface ReferenceGrant {
  apiVersion?: string;
  kind?: 'ReferenceGrant' | string;
  metadata?: ObjectMeta;
  spec?: {
    from?: { group?: string; kind?: string; namespace?: string }[];
    to?: { group?: string; kind?: string; name?: string }[];
  };
}

// ------------------------------------------------------------ BackendTLSPolicy
export interface LocalPolicyTargetReferenceWithSectionName {
  group?: string;
  kind?: string;
  name?: string;
  sectionName?: string;
}
export interface SubjectAltName {
  type?: 'Hostname' | 'URI' | string;
  hostname?: string;
  uri?: string;
}
/** v1 (Gateway API v1.4+) and the v1alpha3 shape, which is the same for what is read here. */
export interface BackendTLSPolicy {
  apiVersion?: string;
  kind?: 'BackendTLSPolicy' | string;
  metadata?: ObjectMeta;
  spec?: {
    targetRefs?: LocalPolicyTargetReferenceWithSectionName[];
    validation?: {
      caCertificateRefs?: LocalObjectReference[];
      wellKnownCACertificates?: 'System' | string;
      hostname?: string;
      subjectAltNames?: SubjectAltName[];
    };
    options?: Record<string, string>;
  };
  status?: { ancestors?: { ancestorRef: ParentReference; controllerName: string; conditions: Condition[] }[] };
}
