// Shapes of the Kubernetes objects kupstream reads, as they appear in manifests.
// Every field is optional: translators read them defensively and report what is wrong.
import type { ObjectMeta } from '@kupstream/gateway-api-types';

/** metav1.ObjectMeta, as far as kupstream reads it: one definition, in the Gateway API types. */
export type { ObjectMeta } from '@kupstream/gateway-api-types';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface LocalObjectReference {
  name?: string;
}

export interface Secret extends KubeObject {
  type?: string;
  /** base64-encoded values */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export type Namespace = KubeObject;

/**
 * certificates.k8s.io ClusterTrustBundle (v1, v1beta1, v1alpha1): cluster-scoped X.509 trust
 * anchors, optionally linked to a signer (then named `<signer with / as :>:<anything>`).
 */
export interface ClusterTrustBundle extends KubeObject {
  spec?: {
    signerName?: string;
    /** PEM CERTIFICATE blocks. */
    trustBundle?: string;
  };
}

export interface ServicePort {
  name?: string;
  protocol?: string;
  port?: number;
  targetPort?: number | string;
  appProtocol?: string;
}

export interface Service extends KubeObject {
  spec?: {
    type?: string;
    ports?: ServicePort[];
    selector?: Record<string, string>;
    externalName?: string;
    clusterIP?: string;
  };
}

/** discovery.k8s.io/v1 EndpointSlice: the addresses behind a Service (label `kubernetes.io/service-name`). */
export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: EndpointSliceEndpoint[];
  /** Target ports, by the Service port's name (`''` or absent for a single unnamed port). */
  ports?: { name?: string; port?: number; protocol?: string; appProtocol?: string }[];
}

export interface EndpointSliceEndpoint {
  addresses?: string[];
  /** Absent fields read as Kubernetes says: `ready` and `serving` unknown = true, `terminating` unknown = false. */
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: { kind?: string; namespace?: string; name?: string };
}

export interface IngressServiceBackend {
  name?: string;
  port?: { number?: number; name?: string };
}
export interface IngressBackend {
  service?: IngressServiceBackend;
  resource?: { apiGroup?: string; kind?: string; name?: string };
}
export interface HTTPIngressPath {
  path?: string;
  pathType?: string;
  backend?: IngressBackend;
}
export interface IngressRule {
  host?: string;
  http?: { paths?: HTTPIngressPath[] };
}
export interface IngressTLS {
  hosts?: string[];
  secretName?: string;
}
export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    rules?: IngressRule[];
    tls?: IngressTLS[];
  };
  status?: { loadBalancer?: { ingress?: { hostname?: string; ip?: string }[] } };
}

export interface IngressClass extends KubeObject {
  spec?: { controller?: string; parameters?: unknown };
}

/** ngrok.k8s.ngrok.com/v1alpha1 AgentEndpoint */
export interface AgentEndpoint extends KubeObject {
  spec?: {
    url?: string;
    upstream?: { url?: string; protocol?: string; proxyProtocolVersion?: string };
    trafficPolicy?: { inline?: unknown; targetRef?: LocalObjectReference };
    description?: string;
    metadata?: Record<string, string> | string;
    bindings?: string[];
    clientCertificateRefs?: { name?: string; namespace?: string }[];
    tlsTermination?: {
      serverCertificateRef?: LocalObjectReference;
      mutualTLS?: { clientCAsRef?: LocalObjectReference; mode?: string };
    };
  };
}
