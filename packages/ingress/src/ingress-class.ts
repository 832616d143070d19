// Which Ingresses are ours: by spec.ingressClassName, the legacy kubernetes.io/ingress.class
// annotation, or the default IngressClass, each resolved to an IngressClass whose
// spec.controller is ours.
import type { Ingress, IngressClass } from '@kupstream/core';
import { annotationsOf, canonicalObjects, identityOf, isRecord, type DiagnosticList } from '@kupstream/core/building-blocks';
import { LEGACY_INGRESS_CONTROLLER, type ResolvedIngressOptions } from './options.js';

export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

export interface ClassCatalog {
  /** The snapshot holds at least one IngressClass. */
  present: boolean;
  /** Controller of each class, by name. */
  controllers: Map<string, string>;
  /** Names of classes marked default. */
  defaults: string[];
}

/** Indexes the IngressClasses (cluster-scoped) and notes legacy controller names. */
export function catalogIngressClasses(
  classes: readonly IngressClass[] | undefined,
  options: ResolvedIngressOptions,
  diagnostics: DiagnosticList,
): ClassCatalog {
  const catalog: ClassCatalog = { present: false, controllers: new Map(), defaults: [] };
  for (const object of canonicalObjects(classes, '')) {
    const { name } = identityOf(object, '');
    if (!name || catalog.controllers.has(name)) continue;
    catalog.present = true;
    const controller = isRecord(object.spec) && typeof object.spec.controller === 'string' ? object.spec.controller : '';
    catalog.controllers.set(name, controller);
    if (annotationsOf(object)[DEFAULT_CLASS_ANNOTATION] === 'true') catalog.defaults.push(name);
    if (controller === LEGACY_INGRESS_CONTROLLER && options.controllers.has(controller)) {
      diagnostics.info(
        'LegacyControllerName',
        { kind: 'IngressClass', name },
        `controller "${LEGACY_INGRESS_CONTROLLER}" is the legacy name of "ngrok.com/ingress-controller"; it is accepted`,
        'spec.controller',
      );
    }
  }
  return catalog;
}

export type ClassDecision =
  | { ours: true; className: string | undefined; note?: { code: string; message: string; field?: string } }
  | { ours: false; code: string; message: string; field?: string };

/** Decides one Ingress; the decision carries the diagnostic to report. */
export function decideIngressClass(
  ingress: Ingress,
  catalog: ClassCatalog,
  options: ResolvedIngressOptions,
): ClassDecision & { warnings: { code: string; message: string; field: string }[] } {
  const warnings: { code: string; message: string; field: string }[] = [];
  const spec = isRecord(ingress.spec) ? ingress.spec : {};
  const named = typeof spec.ingressClassName === 'string' && spec.ingressClassName !== '' ? spec.ingressClassName : undefined;
  const annotated = annotationsOf(ingress)[LEGACY_CLASS_ANNOTATION] || undefined;
  if (named !== undefined) {
    if (annotated !== undefined && annotated !== named) {
      warnings.push({
        code: 'IngressClassAnnotationIgnored',
        message: `annotation ${LEGACY_CLASS_ANNOTATION}="${annotated}" is ignored: spec.ingressClassName "${named}" takes precedence`,
        field: `metadata.annotations[${LEGACY_CLASS_ANNOTATION}]`,
      });
    }
    return { ...byName(named, 'spec.ingressClassName', catalog, options), warnings };
  }
  if (annotated !== undefined) {
    const decision = byName(annotated, `metadata.annotations[${LEGACY_CLASS_ANNOTATION}]`, catalog, options);
    if (decision.ours) {
      warnings.push({
        code: 'LegacyIngressClassAnnotation',
        message: `annotation ${LEGACY_CLASS_ANNOTATION} is deprecated; use spec.ingressClassName: ${annotated}`,
        field: `metadata.annotations[${LEGACY_CLASS_ANNOTATION}]`,
      });
    }
    return { ...decision, warnings };
  }
  if (!catalog.present) return { ...assumed(undefined, 'spec.ingressClassName', options), warnings };
  const ourDefault = catalog.defaults.find((name) => options.controllers.has(catalog.controllers.get(name) ?? ''));
  if (ourDefault !== undefined) return { ours: true, className: ourDefault, warnings };
  return {
    ours: false,
    code: 'IngressClassNotOurs',
    message: `the Ingress names no class and no default IngressClass (annotation ${DEFAULT_CLASS_ANNOTATION}: "true") has controller ${[...options.controllers].join(' or ')}; ignored`,
    field: 'spec.ingressClassName',
    warnings,
  };
}

function byName(name: string, field: string, catalog: ClassCatalog, options: ResolvedIngressOptions): ClassDecision {
  if (!catalog.present) return assumed(name, field, options);
  const controller = catalog.controllers.get(name);
  if (controller === undefined) {
    return { ours: false, code: 'IngressClassNotFound', message: `IngressClass "${name}" does not exist; the Ingress is ignored`, field };
  }
  if (!options.controllers.has(controller)) {
    return {
      ours: false,
      code: 'IngressClassNotOurs',
      message: `IngressClass "${name}" belongs to controller "${controller}"; the Ingress is ignored`,
      field,
    };
  }
  return { ours: true, className: name };
}

function assumed(name: string | undefined, field: string, options: ResolvedIngressOptions): ClassDecision {
  const shown = name === undefined ? 'its absent class' : `class "${name}"`;
  if (options.assumeClassesWhenAbsent) {
    return {
      ours: true,
      className: name,
      note: { code: 'IngressClassAssumed', message: `no IngressClass objects in the input: ${shown} is taken as this controller's`, field },
    };
  }
  return {
    ours: false,
    code: 'IngressClassNotFound',
    message: `no IngressClass objects in the input, so ${shown} cannot be resolved; the Ingress is ignored (assumeClassesWhenAbsent takes it as ours)`,
    field,
  };
}
