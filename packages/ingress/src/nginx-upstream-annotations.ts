// ingress-nginx's upstream TLS annotations on an Ingress, read and checked:
// `backend-protocol` and `proxy-ssl-secret`, `-verify`, `-verify-depth`, `-name`,
// `-server-name`, `-protocols`, `-ciphers` (all under `nginx.ingress.kubernetes.io/`).
// A value that cannot be honoured is an error, and every TLS backend of the Ingress then
// fails closed: it is never dialed with less than it asked for.
import type { Ingress, TlsVersion, UpstreamProtocol } from '@kupstream/core';
import {
  annotationsOf,
  checkCipherList,
  parseTlsVersion,
  parseVerifyDepth,
  TLS_PARAMETER_DEFAULTS,
  type TlsParameters,
} from '@kupstream/core/building-blocks';
import { isValidHostname } from '@kupstream/gateway';
import type { AnnotationNote } from './ingress-annotations.js';

export const NGINX_ANNOTATION_PREFIX = 'nginx.ingress.kubernetes.io/';

/** `backend-protocol` values and the scheme and HTTP version each means. */
export const BACKEND_PROTOCOLS: Record<string, { scheme?: 'http' | 'https'; protocol?: UpstreamProtocol } | undefined> = {
  HTTP: { scheme: 'http', protocol: 'http1' },
  HTTPS: { scheme: 'https', protocol: 'http1' },
  GRPC: { scheme: 'http', protocol: 'http2' },
  GRPCS: { scheme: 'https', protocol: 'http2' },
  // "the scheme the client used": the edge terminated TLS, so the Service annotation decides.
  AUTO_HTTP: {},
};

/** What one Ingress asks of its upstreams. */
export interface NginxUpstreamRequest {
  /** From `backend-protocol`: overrides the Service's app-protocols and appProtocol. */
  backend?: { scheme?: 'http' | 'https'; protocol?: UpstreamProtocol; refused?: { code: string; reason: string } };
  /** `proxy-ssl-secret`, namespace defaulting to the Ingress's. */
  secret?: { namespace: string; name: string };
  /** `proxy-ssl-verify: on`. */
  verify: boolean;
  /** `proxy-ssl-name`: SNI and the name verified. */
  serverName?: string;
  /** `proxy-ssl-protocols`, `-ciphers`, `-verify-depth`. */
  parameters: TlsParameters;
  /** Any `proxy-ssl-*` annotation is set. */
  asksForTls: boolean;
  /** Set when an annotation cannot be honoured: TLS backends of this Ingress are not dialed. */
  unusable?: { code: string; reason: string };
  notes: AnnotationNote[];
}

const ON_OFF: Record<string, boolean> = { on: true, off: false, true: true, false: false };
const KUBE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const LEGACY_PROTOCOLS = new Set(['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1']);

export function readNginxUpstreamAnnotations(ingress: Ingress, namespace: string): NginxUpstreamRequest {
  const annotations = annotationsOf(ingress);
  const out: NginxUpstreamRequest = { verify: false, parameters: {}, asksForTls: false, notes: [] };
  const read = (key: string): { value: string; field: string; name: string } | undefined => {
    const name = `${NGINX_ANNOTATION_PREFIX}${key}`;
    if (!(name in annotations)) return undefined;
    if (key.startsWith('proxy-ssl-')) out.asksForTls = true;
    return { value: annotations[name]!.trim(), field: `metadata.annotations[${name}]`, name };
  };
  const refuse = (code: string, message: string, field: string) => {
    out.notes.push({ severity: 'error', code, message: `${message}; the Ingress's TLS backends are not dialed`, field });
    out.unusable ??= { code, reason: message };
  };

  const backend = read('backend-protocol');
  if (backend) {
    const meaning = BACKEND_PROTOCOLS[backend.value.toUpperCase()];
    if (!meaning) {
      const message = `${backend.name} ${JSON.stringify(backend.value)} is not a protocol kupstream speaks (HTTP, HTTPS, GRPC, GRPCS, AUTO_HTTP)`;
      out.notes.push({
        severity: 'error',
        code: 'IngressBackendProtocolUnsupported',
        message: `${message}; its backends are not dialed`,
        field: backend.field,
      });
      out.unusable = { code: 'IngressBackendProtocolUnsupported', reason: message };
      out.backend = { refused: out.unusable };
    } else out.backend = meaning;
  }

  const secret = read('proxy-ssl-secret');
  if (secret) {
    const parts = secret.value.split('/');
    const [ns, name] = parts.length === 1 ? [namespace, parts[0]!] : parts.length === 2 ? [parts[0]!, parts[1]!] : ['', ''];
    if (!KUBE_NAME.test(ns) || !KUBE_NAME.test(name))
      refuse(
        'IngressProxySslSecretInvalid',
        `${secret.name} ${JSON.stringify(secret.value)} must be "namespace/name" of a Secret`,
        secret.field,
      );
    else out.secret = { namespace: ns, name };
  }

  const verify = read('proxy-ssl-verify');
  if (verify) {
    const value = ON_OFF[verify.value.toLowerCase()];
    if (value === undefined)
      refuse('IngressProxySslAnnotationInvalid', `${verify.name} ${JSON.stringify(verify.value)} must be "on" or "off"`, verify.field);
    else out.verify = value;
  }
  if (out.verify && !out.secret && !out.unusable)
    refuse(
      'IngressProxySslCaMissing',
      `${NGINX_ANNOTATION_PREFIX}proxy-ssl-verify is on but no proxy-ssl-secret names the CA (ca.crt)`,
      verify!.field,
    );

  const depth = read('proxy-ssl-verify-depth');
  if (depth) {
    const parsed = parseVerifyDepth(depth.value);
    if (!parsed.ok) refuse('IngressProxySslAnnotationInvalid', `${depth.name}: ${parsed.message}`, depth.field);
    else out.parameters.verifyDepth = parsed.value;
  }

  const name = read('proxy-ssl-name');
  if (name && name.value !== '') {
    if (name.value.includes('$'))
      refuse(
        'IngressProxySslAnnotationInvalid',
        `${name.name} ${JSON.stringify(name.value)} uses an nginx variable; give a DNS name`,
        name.field,
      );
    else if (!isValidHostname(name.value) || name.value.startsWith('*'))
      refuse(
        'IngressProxySslAnnotationInvalid',
        `${name.name} ${JSON.stringify(name.value)} must be a DNS name without wildcards`,
        name.field,
      );
    else out.serverName = name.value.toLowerCase();
  }

  const serverName = read('proxy-ssl-server-name');
  if (serverName) {
    const value = ON_OFF[serverName.value.toLowerCase()];
    if (value === undefined)
      refuse(
        'IngressProxySslAnnotationInvalid',
        `${serverName.name} ${JSON.stringify(serverName.value)} must be "on" or "off"`,
        serverName.field,
      );
    else if (!value)
      out.notes.push({
        severity: 'info',
        code: 'IngressProxySslServerNameAlwaysSent',
        message: `${serverName.name} is off, but kupstream always sends SNI to a TLS upstream (never for IP addresses)`,
        field: serverName.field,
      });
  }

  const protocols = read('proxy-ssl-protocols');
  if (protocols) {
    const tokens = protocols.value.split(/\s+/).filter((t) => t !== '');
    const versions: TlsVersion[] = [];
    const dropped: string[] = [];
    let unknown: string | undefined;
    for (const token of tokens) {
      const version = parseTlsVersion(token);
      if (version.ok && token.startsWith('TLSv')) versions.push(version.value);
      else if (LEGACY_PROTOCOLS.has(token)) dropped.push(token);
      else unknown ??= token;
    }
    if (unknown !== undefined)
      refuse(
        'IngressProxySslAnnotationInvalid',
        `${protocols.name}: ${JSON.stringify(unknown)} is not a protocol (TLSv1.2, TLSv1.3)`,
        protocols.field,
      );
    else if (versions.length === 0)
      refuse(
        'IngressProxySslAnnotationInvalid',
        `${protocols.name} ${JSON.stringify(protocols.value)} names no protocol kupstream dials (TLSv1.2, TLSv1.3)`,
        protocols.field,
      );
    else {
      if (dropped.length > 0)
        out.notes.push({
          severity: 'warning',
          code: 'IngressProxySslProtocolsDropped',
          message: `${protocols.name}: ${dropped.join(', ')} ${dropped.length === 1 ? 'is' : 'are'} never dialed (TLS 1.2 is the minimum)`,
          field: protocols.field,
        });
      const min = versions.includes('TLSv1.2') ? 'TLSv1.2' : 'TLSv1.3';
      const max = versions.includes('TLSv1.3') ? 'TLSv1.3' : 'TLSv1.2';
      if (min !== TLS_PARAMETER_DEFAULTS.minVersion) out.parameters.minVersion = min;
      if (max !== TLS_PARAMETER_DEFAULTS.maxVersion) out.parameters.maxVersion = max;
    }
  }

  const ciphers = read('proxy-ssl-ciphers');
  if (ciphers) {
    const checked = checkCipherList(ciphers.value);
    if (!checked.ok) refuse('IngressProxySslAnnotationInvalid', `${ciphers.name}: ${checked.message}`, ciphers.field);
    else out.parameters.ciphers = checked.value;
  }
  return out;
}
