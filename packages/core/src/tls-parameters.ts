// The TLS parameters of an upstream connection beyond identity and trust: protocol
// versions, the OpenSSL cipher list, ALPN and the verification depth. One set of rules
// for every source that can ask for them (ingress-nginx annotations, BackendTLSPolicy
// options), so the same value means the same thing everywhere.
import { createHash } from 'node:crypto';
import tls from 'node:tls';
import type { TlsVersion, UpstreamProtocol } from './model.js';

/** What a source asked for; absent fields keep the defaults (`TLS_PARAMETER_DEFAULTS`). */
export interface TlsParameters {
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  /** OpenSSL cipher list (TLS 1.2 suites; `TLS_*` names set TLS 1.3 suites). */
  ciphers?: string;
  /** ALPN protocols in preference order. */
  alpn?: string[];
  /** Longest accepted chain from the server's leaf to the trusted CA, as nginx's `proxy_ssl_verify_depth`. */
  verifyDepth?: number;
}

/** The defaults of every parameter, in one place. */
export const TLS_PARAMETER_DEFAULTS = {
  minVersion: 'TLSv1.2' as TlsVersion,
  maxVersion: 'TLSv1.3' as TlsVersion,
  /** ALPN offered to an https upstream when nothing else is asked for, by upstream protocol. */
  alpn: { http1: ['http/1.1'], http2: ['h2'] } satisfies Record<UpstreamProtocol, string[]>,
  /** ALPN with fallback: h2 preferred, HTTP/1.1 accepted. */
  alpnFallback: ['h2', 'http/1.1'],
  maxVerifyDepth: 100,
} as const;

/** ALPN protocol ids the agent can speak over TLS. */
export const SUPPORTED_ALPN = ['h2', 'http/1.1'] as const;

export type TlsParameterCheck<T> = { ok: true; value: T } | { ok: false; message: string };

const VERSION_ORDER: Record<TlsVersion, number> = { 'TLSv1.2': 2, 'TLSv1.3': 3 };

/** `"1.2"` / `"1.3"` (Envoy Gateway's spelling) or `TLSv1.2` / `TLSv1.3` (OpenSSL's). */
export function parseTlsVersion(value: unknown): TlsParameterCheck<TlsVersion> {
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '1.2' || text === 'TLSv1.2') return { ok: true, value: 'TLSv1.2' };
    if (text === '1.3' || text === 'TLSv1.3') return { ok: true, value: 'TLSv1.3' };
  }
  return { ok: false, message: `${JSON.stringify(value ?? null)} is not a TLS version kupstream dials: use "1.2" or "1.3"` };
}

/** min must not be above max. */
export function checkVersionRange(min: TlsVersion | undefined, max: TlsVersion | undefined): TlsParameterCheck<true> {
  if (min && max && VERSION_ORDER[min] > VERSION_ORDER[max])
    return { ok: false, message: `minimum TLS version ${min} is above the maximum ${max}` };
  return { ok: true, value: true };
}

const CIPHER_LIST = /^[A-Za-z0-9_+!@=.:,\- ]+$/;

/**
 * An OpenSSL cipher list that this Node's OpenSSL accepts (at least one suite matches).
 * Checked by building a throwaway context: no I/O, the same parser the dialer uses.
 */
export function checkCipherList(value: unknown): TlsParameterCheck<string> {
  if (typeof value !== 'string' || value.trim() === '') return { ok: false, message: 'a cipher list must be a non-empty string' };
  const text = value.trim();
  if (text.length > 4096 || !CIPHER_LIST.test(text))
    return { ok: false, message: `cipher list ${JSON.stringify(text.slice(0, 64))} has characters OpenSSL cipher strings never use` };
  try {
    tls.createSecureContext({ ciphers: text });
  } catch {
    return { ok: false, message: `no cipher of ${JSON.stringify(text.slice(0, 200))} is known to OpenSSL` };
  }
  return { ok: true, value: text };
}

/** A comma list of ALPN ids the agent speaks (`h2`, `http/1.1`), no duplicates. */
export function parseAlpnList(value: unknown): TlsParameterCheck<string[]> {
  if (typeof value !== 'string') return { ok: false, message: 'ALPN must be a comma list such as "h2,http/1.1"' };
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (ids.length === 0) return { ok: false, message: 'ALPN must name at least one protocol ("h2", "http/1.1")' };
  for (const id of ids)
    if (!(SUPPORTED_ALPN as readonly string[]).includes(id))
      return { ok: false, message: `ALPN protocol ${JSON.stringify(id.slice(0, 64))} is not one kupstream speaks (h2, http/1.1)` };
  if (new Set(ids).size !== ids.length) return { ok: false, message: `ALPN list ${JSON.stringify(value)} names a protocol twice` };
  return { ok: true, value: ids };
}

/** An integer from 1 to 100. */
export function parseVerifyDepth(value: unknown): TlsParameterCheck<number> {
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  if (/^\d{1,3}$/.test(text)) {
    const depth = Number(text);
    if (depth >= 1 && depth <= TLS_PARAMETER_DEFAULTS.maxVerifyDepth) return { ok: true, value: depth };
  }
  return {
    ok: false,
    message: `verify depth ${JSON.stringify(value ?? null)} must be an integer from 1 to ${TLS_PARAMETER_DEFAULTS.maxVerifyDepth}`,
  };
}

/** True when nothing is asked for. */
export function isEmptyTlsParameters(parameters: TlsParameters | undefined): boolean {
  return (
    !parameters ||
    (parameters.minVersion === undefined &&
      parameters.maxVersion === undefined &&
      parameters.ciphers === undefined &&
      parameters.alpn === undefined &&
      parameters.verifyDepth === undefined)
  );
}

/** A short, stable digest of parameters (and any extra facts), for upstream names that keep settings apart. */
export function tlsParametersDigest(parameters: TlsParameters, extra: Record<string, string | undefined> = {}): string {
  const fields: [string, string][] = [];
  if (parameters.minVersion) fields.push(['min', parameters.minVersion]);
  if (parameters.maxVersion) fields.push(['max', parameters.maxVersion]);
  if (parameters.ciphers) fields.push(['ciphers', parameters.ciphers]);
  if (parameters.alpn) fields.push(['alpn', parameters.alpn.join(',')]);
  if (parameters.verifyDepth !== undefined) fields.push(['depth', String(parameters.verifyDepth)]);
  for (const key of Object.keys(extra).sort()) if (extra[key] !== undefined) fields.push([key, extra[key]!]);
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 10);
}

/** Words for status messages: `min TLSv1.3, ALPN h2,http/1.1`. */
export function describeTlsParameters(parameters: TlsParameters): string {
  const parts: string[] = [];
  if (parameters.minVersion) parts.push(`min ${parameters.minVersion}`);
  if (parameters.maxVersion) parts.push(`max ${parameters.maxVersion}`);
  if (parameters.ciphers) parts.push(`ciphers ${parameters.ciphers}`);
  if (parameters.alpn) parts.push(`ALPN ${parameters.alpn.join(',')}`);
  if (parameters.verifyDepth !== undefined) parts.push(`verify depth ${parameters.verifyDepth}`);
  return parts.join(', ');
}
