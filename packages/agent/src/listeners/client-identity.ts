// The client identity a TLS listener establishes, and the request headers that carry it to
// the upstream (as ingress-nginx does with ssl-client-*): the verification outcome always on
// a listener that asks for certificates, the certificate's subject, issuer, fingerprint and
// expiry only when it verified; the certificate itself only where the listener is configured
// to forward it (`ClientVerification.forwardCertificate`). Clients cannot send these
// headers: every incoming copy is removed before routing and forwarding, on every listener,
// so a route matching on them sees the listener's verdict; route filters cannot change them.
import type http from 'node:http';
import type { ClientVerificationMode } from '@kupstream/core';
import type { ChainOutcome } from './client-verification.js';

export const CLIENT_IDENTITY_HEADERS = Object.freeze({
  /** `SUCCESS`, `NONE` (no certificate), or `FAILED:<reason>` (only where the mode lets such a client in). */
  verify: 'x-kupstream-client-verify',
  subject: 'x-kupstream-client-subject',
  issuer: 'x-kupstream-client-issuer',
  /** SHA-256 fingerprint of the leaf, colon-separated upper-case hex. */
  sha256: 'x-kupstream-client-sha256',
  notAfter: 'x-kupstream-client-not-after',
  /** The verified leaf, URL-encoded PEM; only on listeners that forward it. */
  certificate: 'x-kupstream-client-cert',
});

const RESERVED = Object.values(CLIENT_IDENTITY_HEADERS);

export interface ClientIdentity {
  /** Whether the listener asked for a certificate at all. */
  requested: boolean;
  verify: 'SUCCESS' | 'NONE' | `FAILED:${string}`;
  subject?: string;
  issuer?: string;
  sha256?: string;
  notAfter?: string;
  /** URL-encoded PEM of the verified leaf. */
  certificate?: string;
}

/** Only printable ASCII goes into a header value; anything else is escaped (`\xNN`). */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]|\\/g, (ch) => (ch === '\\' ? '\\\\' : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

function distinguishedName(lines: string): string {
  return lines.split('\n').filter(Boolean).join(',');
}

export function clientIdentityOf(
  mode: ClientVerificationMode | undefined,
  outcome: ChainOutcome | undefined,
  forwardCertificate = false,
): ClientIdentity {
  if (!mode || !outcome) return { requested: false, verify: 'NONE' };
  if (outcome.ok === 'none') return { requested: true, verify: 'NONE' };
  if (!outcome.ok) return { requested: true, verify: `FAILED:${headerSafe(outcome.reason)}` };
  const peer = outcome.leaf;
  return {
    requested: true,
    verify: 'SUCCESS',
    subject: headerSafe(distinguishedName(peer.subject)),
    issuer: headerSafe(distinguishedName(peer.issuer)),
    sha256: peer.fingerprint256,
    notAfter: new Date(peer.validTo).toISOString(),
    ...(forwardCertificate ? { certificate: encodeURIComponent(peer.toString()) } : {}),
  };
}

/**
 * The request's headers as routes match them: the listener's identity in place of any copy
 * the client sent. The headers themselves when there is nothing to replace (no copy, no identity).
 */
export function headersWithIdentity(headers: http.IncomingHttpHeaders, identity: ClientIdentity | undefined): http.IncomingHttpHeaders {
  if (!identity?.requested && !RESERVED.some((name) => headers[name] !== undefined)) return headers;
  const out: http.OutgoingHttpHeaders = { ...headers };
  applyClientIdentity(out, identity);
  return out as http.IncomingHttpHeaders;
}

/** Removes incoming copies, then sets the connection's identity (when its listener asked for one). */
export function applyClientIdentity(headers: http.OutgoingHttpHeaders, identity: ClientIdentity | undefined): void {
  for (const name of RESERVED) delete headers[name];
  if (!identity?.requested) return;
  headers[CLIENT_IDENTITY_HEADERS.verify] = identity.verify;
  if (identity.subject !== undefined) headers[CLIENT_IDENTITY_HEADERS.subject] = identity.subject;
  if (identity.issuer !== undefined) headers[CLIENT_IDENTITY_HEADERS.issuer] = identity.issuer;
  if (identity.sha256 !== undefined) headers[CLIENT_IDENTITY_HEADERS.sha256] = identity.sha256;
  if (identity.notAfter !== undefined) headers[CLIENT_IDENTITY_HEADERS.notAfter] = identity.notAfter;
  if (identity.certificate !== undefined) headers[CLIENT_IDENTITY_HEADERS.certificate] = identity.certificate;
}
