export { translateIngresses, UNAVAILABLE_BACKEND_STATUS } from './translate-ingresses.js';
export type { IngressTranslateOptions, ResolvedIngressOptions } from './options.js';
export { resolveIngressOptions, DEFAULT_INGRESS_CONTROLLER, LEGACY_INGRESS_CONTROLLER } from './options.js';
export type { ClassCatalog, ClassDecision } from './ingress-class.js';
export { catalogIngressClasses, decideIngressClass, DEFAULT_CLASS_ANNOTATION, LEGACY_CLASS_ANNOTATION } from './ingress-class.js';
export type { PathTranslation, PathProblem, PathProblemCode } from './ingress-path.js';
export { translatePath } from './ingress-path.js';
export type { HostCheck } from './ingress-host.js';
export { checkIngressHost, tlsHostCovers } from './ingress-host.js';
export { compareIngressRoutes } from './route-order.js';
export { ingressStatus, INGRESS_API_VERSION } from './ingress-status.js';
export type { IngressEndpointAttributes, IngressAnnotations, AnnotationNote } from './ingress-annotations.js';
export {
  readIngressAnnotations,
  guardsDiffer,
  descriptionsDiffer,
  ANNOTATION_PREFIX,
  LEGACY_ANNOTATION_PREFIX,
} from './ingress-annotations.js';
export type { NginxUpstreamRequest } from './nginx-upstream-annotations.js';
export { readNginxUpstreamAnnotations, NGINX_ANNOTATION_PREFIX, BACKEND_PROTOCOLS } from './nginx-upstream-annotations.js';
