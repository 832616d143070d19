// The three translators over one snapshot, merged, with the loader's diagnostics added:
// the one place the CLI composes the libraries.
import { mergeResults, translateAgentEndpoints, type ClusterSnapshot, type Diagnostic, type TranslationResult } from '@kupstream/core';
import { createTranslationResult } from '@kupstream/core/building-blocks';
import { translateGatewayApi } from '@kupstream/gateway';
import { translateIngresses } from '@kupstream/ingress';
import type { ManifestFlags } from '../args/args.js';

export type TranslateSettings = Pick<
  ManifestFlags,
  'now' | 'namespace' | 'controllerName' | 'ingressControllerName' | 'loadBalancerHostnames'
> & {
  /**
   * Take the classes Gateways and Ingresses name as ours when the input holds none
   * (default true: manifests rarely carry them). Cluster mode turns it off: there a
   * missing class means another controller's Gateway, whose status is not ours to write.
   */
  assumeClassesWhenAbsent?: boolean;
};

export function translateSnapshot(
  snapshot: ClusterSnapshot,
  settings: TranslateSettings,
  loaderDiagnostics: readonly Diagnostic[] = [],
): TranslationResult {
  const fixed = settings.now;
  const common = { ...(fixed ? { now: () => new Date(fixed.getTime()) } : {}), defaultNamespace: settings.namespace };
  // Manifests written for a cluster usually do not carry the GatewayClass / IngressClass
  // (the operator's Helm chart installs them); without this the seed would translate to nothing.
  const assumeClassesWhenAbsent = settings.assumeClassesWhenAbsent ?? true;
  const merged = mergeResults(
    translateGatewayApi(snapshot, {
      ...common,
      ...(settings.controllerName ? { controllerName: settings.controllerName } : {}),
      assumeClassesWhenAbsent,
    }),
    translateIngresses(snapshot, {
      ...common,
      ...(settings.ingressControllerName ? { controllerName: settings.ingressControllerName } : {}),
      assumeClassesWhenAbsent,
      ...(settings.loadBalancerHostnames.length ? { loadBalancerHostnames: settings.loadBalancerHostnames } : {}),
    }),
    translateAgentEndpoints(snapshot, common),
  );
  if (loaderDiagnostics.length === 0) return merged;
  return createTranslationResult(
    { ...merged, diagnostics: [...merged.diagnostics, ...loaderDiagnostics] },
    merged.credentials,
    merged.translatedAt,
  );
}
