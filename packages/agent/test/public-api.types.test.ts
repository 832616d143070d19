// Type tests of the public API, checked by tsc (`tsc -p tsconfig.json` runs before mocha):
// a change to these signatures fails the build of the tests, not a user's build later.
import type { EventEmitter } from 'node:events';
import type http from 'node:http';
import type net from 'node:net';
import type tls from 'node:tls';
import type {
  CredentialStore as CoreCredentialStore,
  TlsVersion,
  TranslationModel,
  Upstream,
  UpstreamEndpointMap,
  UpstreamScheme as CoreUpstreamScheme,
} from '@kupstream/core';
import type {
  AcceptedTls,
  createProxy,
  createUpstreamDialer,
  CredentialStore,
  DialOptions,
  FrontendTls,
  FrontendTlsOptions,
  ListenerContext,
  Proxy,
  ProxyEvents,
  ProxyOptions,
  ProxyResponseCode,
  ProxyStats,
  ResponseEvent,
  Timeouts,
  TlsRefusal,
  TrafficDefaults,
  UpstreamDenyOptions,
  UpstreamDialer,
  UpstreamDialerOptions,
  UpstreamError,
  UpstreamErrorCode,
  UpstreamErrorEvent,
  UpstreamErrorPhase,
  UpstreamPoolStats,
  UpstreamScheme,
  UpstreamTrafficStats,
} from '../src/index.js';

/** `true` only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(_proof?: T): void => undefined;
/** The keys a caller must set. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

// createProxy takes the options object and gives a Proxy; only the model is required.
expectType<Equal<Parameters<typeof createProxy>, [options: ProxyOptions]>>();
expectType<Equal<ReturnType<typeof createProxy>, Proxy>>();
expectType<Equal<RequiredKeys<ProxyOptions>, 'model'>>();
expectType<Equal<ProxyOptions['model'], TranslationModel>>();
expectType<Equal<ProxyOptions['credentials'], CoreCredentialStore | undefined>>();
expectType<Equal<ProxyOptions['endpoints'], UpstreamEndpointMap | undefined>>();
expectType<Equal<ProxyOptions['timeouts'], Partial<Timeouts> | undefined>>();
expectType<Equal<ProxyOptions['traffic'], Partial<TrafficDefaults> | undefined>>();
expectType<Equal<ProxyOptions['denyUpstreams'], UpstreamDenyOptions | undefined>>();
expectType<Equal<ProxyOptions['resolve'], ((host: string, port: number) => { host: string; port: number } | undefined) | undefined>>();

// The Proxy: handlers to mount, a model swapped atomically, endpoints swapped apart from it.
expectType<Equal<Proxy['handler'], http.RequestListener>>();
expectType<Equal<Proxy['handlerFor'], (listener: ListenerContext) => http.RequestListener>>();
expectType<Equal<Proxy['attach'], (server: http.Server, listener?: ListenerContext) => void>>();
expectType<Equal<Proxy['connectionHandler'], (endpointUrl: string) => (socket: net.Socket) => void>>();
expectType<Equal<Proxy['update'], (model: TranslationModel, credentials?: CoreCredentialStore) => void>>();
expectType<Equal<Proxy['updateEndpoints'], (endpoints: UpstreamEndpointMap) => void>>();
expectType<Equal<Proxy['close'], () => Promise<void>>>();
expectType<Equal<Proxy['model'], TranslationModel>>();
expectType<Equal<Proxy['l4Endpoints'], string[]>>();
// stats(): counts for health pages and metrics, per upstream in model order.
expectType<Equal<Proxy['stats'], () => ProxyStats>>();
expectType<Equal<ProxyStats['upstreams'], UpstreamPoolStats[]>>();
expectType<Equal<ProxyStats['traffic'], UpstreamTrafficStats[]>>();
expectType<Equal<ProxyStats['inFlight'], number>>();
expectType<Equal<ProxyStats['closing'], boolean>>();
// Its events: typed errors, and the `x-kupstream-error` code of every answer it gave itself.
expectType<Proxy extends EventEmitter<ProxyEvents> ? true : false>();
expectType<Equal<ProxyEvents['upstreamError'], [UpstreamErrorEvent]>>();
expectType<Equal<ProxyEvents['response'], [ResponseEvent]>>();
expectType<Equal<UpstreamErrorEvent['error'], UpstreamError>>();
expectType<Equal<ResponseEvent['code'], ProxyResponseCode | UpstreamErrorCode | undefined>>();

// UpstreamError codes: a closed union of string literals, the contract of `x-kupstream-error`.
expectType<Equal<string extends UpstreamErrorCode ? true : false, false>>();
expectType<
  Equal<
    UpstreamErrorCode,
    | 'upstream_unavailable'
    | 'client_certificate_missing'
    | 'client_certificate_invalid'
    | 'ca_bundle_missing'
    | 'invalid_upstream'
    | 'upstream_denied'
    | 'dns_failure'
    | 'connection_refused'
    | 'connection_failed'
    | 'connect_timeout'
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
    | 'connection_reset'
    | 'response_timeout'
    | 'backend_timeout'
    | 'request_timeout'
    | 'proxy_closed'
  >
>();
expectType<Equal<UpstreamErrorPhase, 'config' | 'dns' | 'tcp' | 'tls' | 'verify' | 'post-handshake' | 'request'>>();
expectType<Equal<UpstreamError['code'], UpstreamErrorCode>>();
expectType<Equal<UpstreamError['phase'], UpstreamErrorPhase>>();
expectType<Equal<UpstreamError['status'], 500 | 502 | 504>>();
expectType<UpstreamError extends Error ? true : false>();

// createUpstreamDialer: one upstream, a credential store (required), a dialer.
expectType<Equal<Parameters<typeof createUpstreamDialer>, [upstream: Upstream, options: UpstreamDialerOptions]>>();
expectType<Equal<ReturnType<typeof createUpstreamDialer>, UpstreamDialer>>();
expectType<Equal<RequiredKeys<UpstreamDialerOptions>, 'credentials'>>();
expectType<Equal<UpstreamDialer['connect'], (options?: DialOptions) => Promise<net.Socket | tls.TLSSocket>>>();
expectType<Equal<UpstreamDialer['identity'], () => string>>();
expectType<Equal<UpstreamDialer['upstream'], Upstream>>();
expectType<Equal<DialOptions['endpoint'], { host: string; port: number } | undefined>>();

// FrontendTls: TLS termination for clients, by SNI, from a model and its credentials.
expectType<Equal<ConstructorParameters<typeof FrontendTls>, [options?: FrontendTlsOptions]>>();
expectType<Equal<FrontendTls['update'], (model: TranslationModel, credentials: CoreCredentialStore) => void>>();
expectType<
  Equal<
    FrontendTls['accept'],
    (socket: net.Socket, port: number, onSecure: (accepted: AcceptedTls) => void, onRefused?: (refusal: TlsRefusal) => void) => void
  >
>();
expectType<Equal<FrontendTls['isTlsPort'], (port: number) => boolean>>();
expectType<Equal<FrontendTls['hostAllowed'], (port: number, serverName: string, host: string) => boolean>>();
expectType<Equal<FrontendTlsOptions['scheme'], 'https' | 'tls' | undefined>>();
expectType<Equal<FrontendTlsOptions['minVersion'], TlsVersion | undefined>>();
expectType<Equal<AcceptedTls['socket'], tls.TLSSocket>>();

// Re-exported from core, not redefined: one CredentialStore, one UpstreamScheme.
expectType<Equal<CredentialStore, CoreCredentialStore>>();
expectType<Equal<UpstreamScheme, CoreUpstreamScheme>>();

describe('public API types', () => {
  it('are checked by tsc before the tests run', () => undefined);
});
