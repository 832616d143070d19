// Which scheme and HTTP version an upstream Service port speaks (DESIGN §4):
// scheme from the app-protocols annotation by port *name*, HTTP/2 from `appProtocol`.
import type { Service, ServicePort } from './kube-objects.js';
import type { UpstreamProtocol } from './model.js';
import { annotationsOf } from './object-meta.js';
import { isRecord } from './resource-ref.js';

export type UpstreamScheme = 'http' | 'https' | 'tcp' | 'tls';

export const APP_PROTOCOLS_ANNOTATION = 'ngrok.com/app-protocols';
export const LEGACY_APP_PROTOCOLS_ANNOTATION = 'k8s.ngrok.com/app-protocols';

const HTTP2_APP_PROTOCOLS = new Set(['kubernetes.io/h2c', 'ngrok.com/http2', 'k8s.ngrok.com/http2']);
const SCHEMES = new Set<UpstreamScheme>(['http', 'https', 'tcp', 'tls']);

export interface ServiceProblem {
  code: 'AppProtocolsInvalidJson' | 'AppProtocolsInvalidValue' | 'ServicePortNotFound' | 'ServicePortAmbiguous' | 'ServiceMalformed';
  message: string;
  /** Field of the Service. */
  field: string;
}

export interface PortReference {
  number?: number;
  name?: string;
}

export type PortLookup = { ok: true; port: ServicePort & { port: number } } | { ok: false; problem: ServiceProblem };

/** Finds the Service port a backend names, by number or by name. */
export function findServicePort(service: Service | unknown, ref: PortReference): PortLookup {
  const ports = isRecord(service) && isRecord(service.spec) && Array.isArray(service.spec.ports) ? service.spec.ports : undefined;
  if (!ports) return { ok: false, problem: { code: 'ServiceMalformed', message: 'has no spec.ports list', field: 'spec.ports' } };
  const match = ports.find(
    (p): p is ServicePort & { port: number } =>
      isRecord(p) &&
      typeof p.port === 'number' &&
      (ref.number !== undefined ? p.port === ref.number : ref.name !== undefined && p.name === ref.name),
  );
  if (match) return { ok: true, port: match };
  const wanted = ref.number !== undefined ? `port ${ref.number}` : `port named "${ref.name ?? ''}"`;
  // JSON, not String(): a port of the wrong type may be an object whose toString is not callable.
  const known = ports
    .filter(isRecord)
    .map((p) => (typeof p.name === 'string' && p.name ? `${p.name}:${JSON.stringify(p.port ?? null)}` : JSON.stringify(p.port ?? null)));
  return {
    ok: false,
    problem: { code: 'ServicePortNotFound', message: `has no ${wanted} (ports: ${known.join(', ') || 'none'})`, field: 'spec.ports' },
  };
}

export interface SchemeDecision {
  scheme: UpstreamScheme;
  /** Where the scheme came from, for diagnostics: the annotation field, or undefined for the default. */
  field?: string;
  problems: ServiceProblem[];
}

/**
 * The scheme of one Service port. The canonical annotation, when present, wins even if
 * it is invalid (then: a problem and the default). Port 443 alone does not mean https.
 */
export function schemeForPort(service: Service | unknown, port: ServicePort, defaultScheme: UpstreamScheme): SchemeDecision {
  const annotations = annotationsOf(service);
  const key =
    APP_PROTOCOLS_ANNOTATION in annotations
      ? APP_PROTOCOLS_ANNOTATION
      : LEGACY_APP_PROTOCOLS_ANNOTATION in annotations
        ? LEGACY_APP_PROTOCOLS_ANNOTATION
        : undefined;
  if (key === undefined) return { scheme: defaultScheme, problems: [] };
  const field = `metadata.annotations[${key}]`;
  const raw = annotations[key]!;
  if (raw.trim() === '') return { scheme: defaultScheme, problems: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return {
      scheme: defaultScheme,
      problems: [
        {
          code: 'AppProtocolsInvalidJson',
          message: `${key} is not valid JSON (${(error as Error).message}); expected a map of port name to HTTP, HTTPS, TCP or TLS; using ${defaultScheme}`,
          field,
        },
      ],
    };
  }
  if (!isRecord(parsed)) {
    return {
      scheme: defaultScheme,
      problems: [
        {
          code: 'AppProtocolsInvalidJson',
          message: `${key} must be a JSON object of port name to HTTP, HTTPS, TCP or TLS; using ${defaultScheme}`,
          field,
        },
      ],
    };
  }
  const portName = typeof port.name === 'string' ? port.name : '';
  if (!(portName in parsed)) return { scheme: defaultScheme, problems: [] };
  const value = parsed[portName];
  const scheme = typeof value === 'string' ? value.toLowerCase() : '';
  if (SCHEMES.has(scheme as UpstreamScheme)) return { scheme: scheme as UpstreamScheme, field, problems: [] };
  if (scheme === '') return { scheme: defaultScheme, problems: [] };
  return {
    scheme: defaultScheme,
    problems: [
      {
        code: 'AppProtocolsInvalidValue',
        message: `${key} gives port "${portName}" the protocol ${JSON.stringify(value)}; expected HTTP, HTTPS, TCP or TLS; using ${defaultScheme}`,
        field,
      },
    ],
  };
}

/** HTTP/2 to the upstream when the port's appProtocol asks for it; otherwise HTTP/1.1. */
export function protocolForPort(port: ServicePort): UpstreamProtocol {
  return typeof port.appProtocol === 'string' && HTTP2_APP_PROTOCOLS.has(port.appProtocol) ? 'http2' : 'http1';
}
