// One active health check of one endpoint: dialed through the upstream's own dialer (its
// client certificate, trust, SNI and verification on the upstream's names, the endpoint's
// address), always a full handshake so the server sees the certificate; then, for an HTTP
// check, one GET of the check path over HTTP/1.1 — or HTTP/2 when the upstream negotiates
// h2 (or is h2c) — with the upstream's host as authority. The verdict tells "the endpoint
// is down" apart from "our identity, trust or configuration is refused", which no endpoint
// can fix and so never ejects one.
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import type tls from 'node:tls';
import type { Upstream } from '@kupstream/core';
import type { UpstreamDialer } from '../dialer.js';
import { classifyUpstreamError, UpstreamError, type UpstreamErrorCode } from '../upstream-errors.js';
import { upstreamTarget } from '../upstream-target.js';
import type { HealthCheckSettings } from './traffic-settings.js';
import type { EndpointAddress } from './upstream-endpoints.js';

/**
 * `healthy`: the check passed. `unhealthy`: the endpoint is down (refused, reset, timed out,
 * an unexpected status): counts toward the unhealthy threshold. `rejected`: our identity,
 * trust or configuration was refused (a configuration error): reported, never an ejection.
 */
export type HealthCheckOutcome = 'healthy' | 'unhealthy' | 'rejected';

/** Why a check did not pass: an upstream error code, or a status the check does not expect. */
export type HealthCheckCode = UpstreamErrorCode | 'unexpected_status';

export interface HealthCheckVerdict {
  outcome: HealthCheckOutcome;
  code?: HealthCheckCode;
  /** The HTTP status answered (HTTP checks that got a response). */
  status?: number;
  /** A TLS handshake with the endpoint completed (its server accepted our identity). */
  handshake?: boolean;
  message?: string;
  /** ISO time the check started. */
  at: string;
}

/**
 * Failures that are configuration, not the endpoint: our client certificate refused or
 * missing, the server's certificate not passing our check, versions or protocols no
 * endpoint of this upstream could agree on, and the proxy's own refusals.
 */
export const CONFIGURATION_FAILURES: ReadonlySet<UpstreamErrorCode> = new Set<UpstreamErrorCode>([
  'upstream_unavailable',
  'client_certificate_missing',
  'client_certificate_invalid',
  'ca_bundle_missing',
  'invalid_upstream',
  'upstream_denied',
  'certificate_untrusted',
  'certificate_expired',
  'certificate_not_yet_valid',
  'certificate_revoked',
  'hostname_mismatch',
  'client_certificate_required',
  'client_certificate_rejected',
  'tls_version_unsupported',
  'alpn_mismatch',
]);

const USER_AGENT = 'kupstream-health-check';

export interface HealthCheckRequest {
  upstream: Upstream;
  dialer: UpstreamDialer;
  endpoint: EndpointAddress;
  settings: HealthCheckSettings;
  /** Aborted when the check is no longer wanted (endpoint gone, proxy closed): the socket goes at once. */
  signal: AbortSignal;
  now?: () => Date;
}

/** Runs one check; never throws. The timeout bounds the whole check (dial and response). */
export async function checkEndpoint(request: HealthCheckRequest): Promise<HealthCheckVerdict> {
  const { upstream, dialer, endpoint, settings, signal } = request;
  const at = (request.now ?? (() => new Date()))().toISOString();
  const started = Date.now();
  let socket: net.Socket;
  try {
    socket = await dialer.connect({ endpoint, timeoutMs: settings.timeoutMs, signal });
  } catch (err) {
    return failure(classifyUpstreamError(err, { phase: 'config', upstream: upstream.name }), at, false);
  }
  const handshake = (socket as tls.TLSSocket).encrypted === true;
  if (settings.type === 'tls' || signal.aborted) {
    socket.destroy();
    return { outcome: 'healthy', ...(handshake ? { handshake } : {}), at };
  }
  const remaining = Math.max(1, settings.timeoutMs - (Date.now() - started));
  try {
    const http2Wanted = handshake ? (socket as tls.TLSSocket).alpnProtocol === 'h2' : upstream.protocol === 'http2';
    const status = await (http2Wanted ? requestHttp2 : requestHttp1)(socket, upstream, settings.path, remaining, signal);
    const expected = settings.statuses.some(([low, high]) => status >= low && status <= high);
    return expected
      ? { outcome: 'healthy', status, ...(handshake ? { handshake } : {}), at }
      : {
          outcome: 'unhealthy',
          code: 'unexpected_status',
          status,
          ...(handshake ? { handshake } : {}),
          message: `${settings.path} answered ${status}`,
          at,
        };
  } catch (err) {
    return failure(classifyUpstreamError(err, { phase: 'request', upstream: upstream.name, established: true }), at, handshake);
  } finally {
    socket.destroy();
  }
}

function failure(error: UpstreamError, at: string, handshake: boolean): HealthCheckVerdict {
  return {
    outcome: CONFIGURATION_FAILURES.has(error.code) ? 'rejected' : 'unhealthy',
    code: error.code,
    ...(handshake ? { handshake } : {}),
    message: error.message,
    at,
  };
}

/** The authority the check names: the name the upstream is verified as (SNI), else its URL host. */
function authority(upstream: Upstream): { host: string; scheme: 'http' | 'https' } {
  const target = upstreamTarget(upstream);
  const name = upstream.tls?.serverName ?? target.host;
  const bracketed = name.includes(':') ? `[${name}]` : name;
  const defaultPort = target.secure ? 443 : 80;
  return { host: target.port === defaultPort ? bracketed : `${bracketed}:${target.port}`, scheme: target.secure ? 'https' : 'http' };
}

/**
 * One check request's deadline and abandonment: `failed` runs once with the typed error
 * (`response_timeout`, or `proxy_closed` when the checker stops), unless `settle()` came first.
 * `settle()` says whether this call settled it.
 */
function guardRequest(upstream: Upstream, timeoutMs: number, signal: AbortSignal, failed: (err: Error) => void): (err?: Error) => boolean {
  let settled = false;
  const settle = (err?: Error): boolean => {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    if (err) failed(err);
    return true;
  };
  const context = { phase: 'request' as const, upstream: upstream.name };
  const timer = setTimeout(
    () => settle(new UpstreamError('response_timeout', `no response to the health check within ${timeoutMs} ms`, context)),
    timeoutMs,
  );
  const onAbort = () => settle(new UpstreamError('proxy_closed', 'health check abandoned', context));
  signal.addEventListener('abort', onAbort, { once: true });
  return settle;
}

function requestHttp1(socket: net.Socket, upstream: Upstream, path: string, timeoutMs: number, signal: AbortSignal): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = http.request(
      {
        method: 'GET',
        path,
        headers: { host: authority(upstream).host, 'user-agent': USER_AGENT, accept: '*/*', connection: 'close' },
        createConnection: () => socket,
      },
      (res) => {
        if (!settle()) return;
        // The head is the verdict; the body is not read.
        res.on('error', () => undefined);
        resolve(res.statusCode ?? 0);
      },
    );
    const settle = guardRequest(upstream, timeoutMs, signal, (err) => {
      req.destroy();
      reject(err);
    });
    req.on('error', (err) => settle(err));
    req.end();
  });
}

function requestHttp2(socket: net.Socket, upstream: Upstream, path: string, timeoutMs: number, signal: AbortSignal): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const { host, scheme } = authority(upstream);
    const session = http2.connect(`${scheme}://${host}`, { createConnection: () => socket });
    const settle = guardRequest(upstream, timeoutMs, signal, (err) => {
      session.destroy();
      reject(err);
    });
    session.on('error', (err) => settle(err));
    const stream = session.request({ ':method': 'GET', ':path': path, ':authority': host, ':scheme': scheme, 'user-agent': USER_AGENT });
    stream.on('error', (err) => settle(err));
    stream.on('response', (headers) => {
      if (!settle()) return;
      session.destroy();
      resolve(Number(headers[':status'] ?? 0));
    });
    stream.end();
  });
}
