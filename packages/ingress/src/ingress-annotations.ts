// ngrok's endpoint annotations on an Ingress: traffic-policy, bindings, description,
// metadata. The canonical `ngrok.com/<key>` wins whenever present (even empty), else the
// legacy `k8s.ngrok.com/<key>` is read, as ngrok's operator does.
import type { Ingress, Severity } from '@kupstream/core';
import { annotationsOf, compareStrings, isRecord } from '@kupstream/core/building-blocks';

export const ANNOTATION_PREFIX = 'ngrok.com/';
export const LEGACY_ANNOTATION_PREFIX = 'k8s.ngrok.com/';
const BINDINGS = ['public', 'internal', 'kubernetes'];

/** Endpoint-level settings an Ingress asks for. */
export interface IngressEndpointAttributes {
  trafficPolicy?: { targetRef: { kind: 'NgrokTrafficPolicy'; namespace: string; name: string } };
  bindings?: string[];
  description?: string;
  metadata?: Record<string, string>;
}

export interface AnnotationNote {
  severity: Severity;
  code: string;
  message: string;
  field: string;
}

export interface IngressAnnotations {
  attributes: IngressEndpointAttributes;
  notes: AnnotationNote[];
  /**
   * Set when an annotation that guards traffic (traffic-policy, bindings) is unusable: the
   * Ingress is not served rather than served without what it asked for (as ngrok skips it).
   */
  blocking?: string;
}

export function readIngressAnnotations(ingress: Ingress, namespace: string): IngressAnnotations {
  const annotations = annotationsOf(ingress);
  const out: IngressAnnotations = { attributes: {}, notes: [] };
  const read = (key: string): { value: string; field: string } | undefined => {
    for (const prefix of [ANNOTATION_PREFIX, LEGACY_ANNOTATION_PREFIX]) {
      const name = `${prefix}${key}`;
      if (!(name in annotations)) continue;
      const field = `metadata.annotations[${name}]`;
      if (prefix === LEGACY_ANNOTATION_PREFIX) {
        out.notes.push({
          severity: 'warning',
          code: 'LegacyAnnotation',
          message: `${name} is the legacy spelling of ${ANNOTATION_PREFIX}${key}`,
          field,
        });
      }
      return { value: annotations[name]!.trim(), field };
    }
    return undefined;
  };

  const policy = read('traffic-policy');
  if (policy && policy.value !== '') {
    const names = policy.value
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    if (names.length !== 1) {
      out.blocking = `${policy.field} must name exactly one NgrokTrafficPolicy, not ${names.length}`;
      out.notes.push({
        severity: 'error',
        code: 'IngressTrafficPolicyInvalid',
        message: `${out.blocking}; the Ingress is not served`,
        field: policy.field,
      });
    } else {
      out.attributes.trafficPolicy = { targetRef: { kind: 'NgrokTrafficPolicy', namespace, name: names[0]! } };
    }
  }

  const bindings = read('bindings');
  if (bindings && bindings.value !== '') {
    const values = bindings.value
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    if (values.length !== 1 || !BINDINGS.includes(values[0]!)) {
      const reason = `${bindings.field} must be one of ${BINDINGS.join(', ')} (a single value), not "${bindings.value}"`;
      out.blocking ??= reason;
      out.notes.push({
        severity: 'error',
        code: 'IngressBindingsInvalid',
        message: `${reason}; the Ingress is not served`,
        field: bindings.field,
      });
    } else {
      out.attributes.bindings = [values[0]!];
    }
  }

  const description = read('description');
  if (description && description.value !== '') out.attributes.description = description.value;

  const metadata = read('metadata');
  if (metadata && metadata.value !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(metadata.value);
    } catch {
      parsed = undefined;
    }
    if (isRecord(parsed) && Object.values(parsed).every((v) => typeof v === 'string')) {
      const sorted: Record<string, string> = {};
      for (const key of Object.keys(parsed).sort(compareStrings)) sorted[key] = parsed[key] as string;
      out.attributes.metadata = sorted;
    } else {
      out.notes.push({
        severity: 'error',
        code: 'IngressMetadataInvalid',
        message: `${metadata.field} must be a JSON object of string values; it is ignored`,
        field: metadata.field,
      });
    }
  }
  return out;
}

/** Settings that change who may reach the host or what runs on it: they must agree to share it. */
export function guardsDiffer(a: IngressEndpointAttributes, b: IngressEndpointAttributes): boolean {
  return (
    JSON.stringify(a.trafficPolicy ?? null) !== JSON.stringify(b.trafficPolicy ?? null) ||
    JSON.stringify(a.bindings ?? null) !== JSON.stringify(b.bindings ?? null)
  );
}

/** Settings that only describe the endpoint: the first Ingress's are kept. */
export function descriptionsDiffer(a: IngressEndpointAttributes, b: IngressEndpointAttributes): boolean {
  return (a.description ?? null) !== (b.description ?? null) || JSON.stringify(a.metadata ?? null) !== JSON.stringify(b.metadata ?? null);
}
