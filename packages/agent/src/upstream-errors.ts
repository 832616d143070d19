// Typed upstream failures. Node reports the same failure under different codes
// depending on the phase and the TLS version (see the table in README.md); hosts get
// one stable code, the HTTP status to answer, and the phase it happened in.
// Messages name hosts, codes and fingerprints, never key material.

export type UpstreamErrorCode =
  // refused before dialing (fail closed)
  | 'upstream_unavailable'
  | 'client_certificate_missing'
  | 'client_certificate_invalid'
  | 'ca_bundle_missing'
  | 'invalid_upstream'
  | 'upstream_denied'
  // TCP
  | 'dns_failure'
  | 'connection_refused'
  | 'connection_failed'
  | 'connect_timeout'
  // TLS
  | 'handshake_timeout'
  | 'certificate_untrusted'
  | 'certificate_expired'
  | 'certificate_not_yet_valid'
  | 'certificate_revoked'
  | 'hostname_mismatch'
  | 'client_certificate_required'
  | 'client_certificate_rejected'
  | 'tls_version_unsupported'
  | 'alpn_mismatch'
  | 'protocol_error'
  // after the connection is up
  | 'connection_reset'
  | 'response_timeout'
  /** The route's `timeouts.backendRequest` passed before the response head (one attempt). */
  | 'backend_timeout'
  /** The route's `timeouts.request` passed before the response head (all attempts). */
  | 'request_timeout'
  | 'proxy_closed';

export type UpstreamErrorPhase = 'config' | 'dns' | 'tcp' | 'tls' | 'verify' | 'post-handshake' | 'request';

const TIMEOUTS = new Set<UpstreamErrorCode>([
  'connect_timeout',
  'handshake_timeout',
  'response_timeout',
  'backend_timeout',
  'request_timeout',
]);

/**
 * The HTTP status a host answers for a code: Gateway API's 500 for an invalid backend (and
 * for one the host denies), 504 for timeouts, else 502.
 */
function statusOf(code: UpstreamErrorCode): 500 | 502 | 504 {
  if (code === 'upstream_unavailable' || code === 'upstream_denied') return 500;
  return TIMEOUTS.has(code) ? 504 : 502;
}

export interface UpstreamErrorDetails {
  phase: UpstreamErrorPhase;
  /** `Upstream.name` */
  upstream?: string;
  /** The Node / OpenSSL code this was classified from, e.g. `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`. */
  cause?: string;
  /** Client identity as `namespace/name@version sha256`, never the key. */
  identity?: string;
}

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly code: UpstreamErrorCode;
  readonly phase: UpstreamErrorPhase;
  /** 500 for `upstream_unavailable` and `upstream_denied`, 504 for timeouts, 502 for everything else. */
  readonly status: 500 | 502 | 504;
  readonly upstream: string | undefined;
  readonly causeCode: string | undefined;
  readonly identity: string | undefined;

  constructor(code: UpstreamErrorCode, message: string, details: UpstreamErrorDetails) {
    super(message);
    this.code = code;
    this.phase = details.phase;
    this.status = statusOf(code);
    this.upstream = details.upstream;
    this.causeCode = details.cause;
    this.identity = details.identity;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      phase: this.phase,
      status: this.status,
      upstream: this.upstream,
      cause: this.causeCode,
      identity: this.identity,
      message: this.message,
    };
  }
}

export function isUpstreamError(value: unknown): value is UpstreamError {
  return value instanceof UpstreamError;
}

/** What the dialer knew about the connection when the error arrived. */
export interface FailureContext {
  phase: UpstreamErrorPhase;
  upstream?: string;
  identity?: string;
  /** A client certificate was configured for this connection. */
  presentedCertificate?: boolean;
  /** Negotiated TLS version, once known. */
  tlsVersion?: string | null;
  /** The connection completed a request/response before; a close now is not a handshake failure. */
  established?: boolean;
}

const VERIFY_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  // The verify depth (nginx's proxy_ssl_verify_depth) checked after the chain.
  'CERT_CHAIN_TOO_LONG',
]);

// No TLS version both sides allow (a TLS 1.2-only server under min-tls-version 1.3, or the reverse).
const VERSION_REFUSED = new Set(['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL', 'ERR_SSL_NO_PROTOCOLS_AVAILABLE']);

// Alerts the *server* sends about the certificate *we* presented.
const CLIENT_CERT_REJECTED_ALERTS = new Set([
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
  'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
]);

const PROTOCOL = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_RECORD_LAYER_FAILURE',
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR',
  'ERR_SSL_UNEXPECTED_MESSAGE',
  'ERR_SSL_TLSV1_UNRECOGNIZED_NAME',
]);

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const CONNECT_FAILED = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
// UND_ERR_SOCKET: undici's "other side closed" (the upstream closed a connection with a request on it).
const RESETS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']);

function codeOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** Turns whatever Node raised into an `UpstreamError` (an `UpstreamError` passes through). */
export function classifyUpstreamError(err: unknown, context: FailureContext): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const cause = codeOf(err);
  const details: UpstreamErrorDetails = {
    phase: context.phase,
    ...(context.upstream ? { upstream: context.upstream } : {}),
    ...(cause ? { cause } : {}),
    ...(context.identity ? { identity: context.identity } : {}),
  };
  const where = context.upstream ? ` (${context.upstream})` : '';
  const make = (code: UpstreamErrorCode, text: string, phase: UpstreamErrorPhase = context.phase) =>
    new UpstreamError(code, `${text}${where}${cause ? ` [${cause}]` : ''}`, { ...details, phase });

  if (cause === undefined) {
    if (err instanceof Error && /socket hang up/i.test(err.message)) return make('connection_reset', 'upstream closed the connection');
    return make('protocol_error', err instanceof Error ? err.message : 'upstream failed');
  }
  if (DNS.has(cause)) return make('dns_failure', 'upstream host name does not resolve', 'dns');
  if (cause === 'ECONNREFUSED') return make('connection_refused', 'upstream refused the connection', 'tcp');
  if (cause === 'ETIMEDOUT') return make('connect_timeout', 'upstream did not accept the connection in time', 'tcp');
  if (CONNECT_FAILED.has(cause)) return make('connection_failed', 'upstream is unreachable', 'tcp');
  if (cause === 'CERT_HAS_EXPIRED') return make('certificate_expired', 'upstream certificate has expired', 'verify');
  if (cause === 'CERT_NOT_YET_VALID') return make('certificate_not_yet_valid', 'upstream certificate is not yet valid', 'verify');
  if (cause === 'CERT_REVOKED') return make('certificate_revoked', 'upstream certificate is revoked', 'verify');
  if (VERIFY_UNTRUSTED.has(cause)) return make('certificate_untrusted', 'upstream certificate is not trusted', 'verify');
  if (cause === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const reason = err instanceof Error && 'reason' in err && typeof err.reason === 'string' ? `: ${err.reason}` : '';
    return make('hostname_mismatch', `upstream certificate does not match the expected name${reason}`, 'verify');
  }
  if (cause === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')
    return make('client_certificate_required', 'upstream requires a client certificate', 'tls');
  if (cause === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' && !context.presentedCertificate && context.phase !== 'request') {
    // TLS 1.2 servers answer a missing required certificate with a generic handshake_failure.
    return make('client_certificate_required', 'upstream refused the handshake; it probably requires a client certificate', 'tls');
  }
  if (CLIENT_CERT_REJECTED_ALERTS.has(cause)) {
    return context.presentedCertificate
      ? make(
          'client_certificate_rejected',
          'upstream rejected the client certificate',
          context.phase === 'request' ? 'post-handshake' : context.phase,
        )
      : make('client_certificate_required', 'upstream requires a client certificate', 'tls');
  }
  if (VERSION_REFUSED.has(cause))
    return make('tls_version_unsupported', 'upstream and the allowed TLS versions have none in common', 'tls');
  if (cause === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL')
    return make('alpn_mismatch', 'upstream speaks none of the offered ALPN protocols', 'tls');
  if (PROTOCOL.has(cause) || cause.startsWith('ERR_SSL_') || cause.startsWith('HPE_') || cause.startsWith('ERR_HTTP2_')) {
    return make('protocol_error', 'upstream does not speak the expected protocol');
  }
  if (RESETS.has(cause)) {
    if (context.phase === 'tls' && context.presentedCertificate) {
      // Node and some other servers reject a TLS 1.2 client certificate by resetting the handshake.
      return make('client_certificate_rejected', 'upstream closed the handshake after our client certificate', 'tls');
    }
    if (context.phase === 'tls') return make('protocol_error', 'upstream closed the connection during the TLS handshake');
    return make('connection_reset', 'upstream closed the connection');
  }
  return make('protocol_error', 'upstream failed');
}
