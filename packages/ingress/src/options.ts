// Options of translateIngresses; every one has a default.
import type { TranslateOptions } from '@kupstream/core';
import { resolveTranslateOptions, type ResolvedTranslateOptions } from '@kupstream/core/building-blocks';

export const DEFAULT_INGRESS_CONTROLLER = 'ngrok.com/ingress-controller';
export const LEGACY_INGRESS_CONTROLLER = 'k8s.ngrok.com/ingress-controller';

export interface IngressTranslateOptions extends TranslateOptions {
  /** IngressClass `spec.controller` that is ours. Default `ngrok.com/ingress-controller`; the legacy `k8s.ngrok.com/ingress-controller` is accepted beside it. */
  controllerName?: string;
  /**
   * When the snapshot holds no IngressClass at all, take an Ingress's class (named or
   * absent) as ours, with an info diagnostic IngressClassAssumed. Default false.
   */
  assumeClassesWhenAbsent?: boolean;
  /** Hostnames the host's load balancer answers on; written to `status.loadBalancer.ingress[].hostname`. */
  loadBalancerHostnames?: string[];
}

export interface ResolvedIngressOptions extends ResolvedTranslateOptions {
  /** Every controller name taken as ours. */
  controllers: ReadonlySet<string>;
  assumeClassesWhenAbsent: boolean;
  loadBalancerHostnames: string[];
}

export function resolveIngressOptions(options: IngressTranslateOptions = {}): ResolvedIngressOptions {
  const base = resolveTranslateOptions(options);
  const name =
    typeof options.controllerName === 'string' && options.controllerName !== '' ? options.controllerName : DEFAULT_INGRESS_CONTROLLER;
  const controllers = new Set([name]);
  // Both spellings name the same controller (ngrok's annotation prefix migration).
  if (name === DEFAULT_INGRESS_CONTROLLER || name === LEGACY_INGRESS_CONTROLLER) {
    controllers.add(DEFAULT_INGRESS_CONTROLLER);
    controllers.add(LEGACY_INGRESS_CONTROLLER);
  }
  const hostnames = Array.isArray(options.loadBalancerHostnames) ? options.loadBalancerHostnames : [];
  return {
    ...base,
    controllers,
    assumeClassesWhenAbsent: options.assumeClassesWhenAbsent === true,
    loadBalancerHostnames: [
      ...new Set(hostnames.filter((h): h is string => typeof h === 'string' && h !== '').map((h) => h.replace(/^\*\./, '').toLowerCase())),
    ].sort(),
  };
}
