// createUpstreamDialer: one small factory per Upstream returning connect() and a
// createConnection() for http.Agent / undici / http2.connect (the shape of undici's
// lib/core/connect.js). Everything that decides *who we are* and *whom we trust* is
// read from the model and the CredentialStore at dial time, so a rotated Secret is used
// by the very next connection; nothing is dialed when the material is missing.
import net from 'node:net';
import { nextTick } from 'node:process';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { CredentialStore, Upstream } from '@kupstream/core';
import { contextParameters, secureContextCacheFor, type ContextEntry, type SecureContextCache } from './secure-context-cache.js';
import { SessionCache, sessionKey } from './session-cache.js';
import { resolveTimeouts, type Timeouts } from './timeouts/defaults.js';
import type { UpstreamDenyList } from './upstream-deny-list.js';
import { classifyUpstreamError, UpstreamError, type FailureContext, type UpstreamErrorPhase } from './upstream-errors.js';
import { resolveTarget, upstreamTarget, type Resolve, type UpstreamTarget } from './upstream-target.js';
import { holdWrites, typeErrors, typeLaterErrors } from './node-internals.js';
import { proxyProtocolHeader, type ProxyAddresses } from './proxy-protocol.js';
import { identityCheck, verificationKey, type IdentityCheck } from './verification.js';

export interface UpstreamDialerOptions {
  credentials: CredentialStore;
  /** Maps the upstream's host:port to where to connect (like curl's --resolve); default DNS. */
  resolve?: Resolve;
  /** DNS for names `resolve` leaves alone (net.connect's `lookup`); default dns.lookup. Covered by the connect timeout. */
  lookup?: net.LookupFunction;
  connectTimeout?: number;
  handshakeTimeout?: number;
  /** TLS 1.3: wait for the server's session ticket this long before trusting the connection. */
  postHandshakeTimeout?: number;
  /** Shared TLS session cache; `false` disables resumption. Default: one per CredentialStore. */
  sessionCache?: SessionCache | false;
  /** Shared SecureContext cache. Default: one per CredentialStore. */
  secureContexts?: SecureContextCache;
  /** Addresses never dialed (checked after `resolve` and DNS): `upstream_denied`. */
  deny?: UpstreamDenyList;
}

export interface DialOptions {
  /** Original client and listener addresses, for upstreams that want a PROXY protocol header. */
  proxyProtocol?: ProxyAddresses;
  /** Offer only these of the upstream's ALPN protocols (an HTTP/1.1 pool offers only `http/1.1`). */
  alpn?: readonly string[];
  /**
   * Dial this endpoint (an EndpointSlice address) instead of the upstream's host. SNI and
   * verification stay on the upstream's names, never the address; the TLS session cache
   * keeps the endpoint's sessions apart (pods do not share ticket keys). `resolve` and the
   * deny list apply to the address as to a host.
   */
  endpoint?: { host: string; port: number };
  /**
   * The whole dial (connect, handshake and the TLS 1.3 verdict wait) within this many ms,
   * on top of the per-phase timeouts; the phase it ran out in names the code
   * (`connect_timeout` or `handshake_timeout`).
   */
  timeoutMs?: number;
  /** Abandons the dial when aborted: the socket is destroyed and `connect()` rejects with `proxy_closed`. */
  signal?: AbortSignal;
}

/** `http.Agent#createConnection`'s callback shape. */
export type ConnectionCallback = (err: Error | null, socket: Duplex) => void;
/** undici's `connect` callback shape. */
export type ConnectorCallback = (...args: [null, net.Socket] | [Error, null]) => void;

/** Facts about a connection made by a dialer (never key material). */
export interface ConnectionInfo {
  upstream: string;
  /** Pool key: connections with equal identities are interchangeable. */
  identity: string;
  /** `host:port` of the endpoint dialed, when an endpoint (not the upstream's host) was. */
  endpoint?: string;
  /** `namespace/name@version` of the client certificate, or `anonymous`. */
  clientIdentity: string;
  clientSha256?: string;
  tlsVersion?: string;
  alpnProtocol?: string | false;
  sessionReused?: boolean;
  /** True once the connection passed every check (handshake and the TLS 1.3 ticket wait). */
  ready: boolean;
}

export interface UpstreamDialer {
  readonly upstream: Upstream;
  /** The store the dialer reads its material from (for hosts that follow its `change` events). */
  readonly credentials: CredentialStore;
  /** The identity the next connection will have; throws the fail-closed UpstreamError. */
  identity(): string;
  /** Dials, verifies and resolves only once the connection is fit for requests. */
  connect(options?: DialOptions): Promise<net.Socket | tls.TLSSocket>;
  /**
   * For `http.Agent#createConnection`, undici's `connect` and `http2.connect`'s
   * `createConnection`. Returns the socket at once; the callback (optional) fires once it
   * is ready, or with the typed error. Errors emitted by the socket are UpstreamErrors.
   */
  createConnection(options?: unknown, callback?: ConnectionCallback): net.Socket;
  createConnection(options: unknown, callback: ConnectorCallback): net.Socket;
}

interface DialPlan {
  target: UpstreamTarget;
  identity: string;
  tls?: {
    entry: ContextEntry;
    servername: string | undefined;
    alpn: string[];
    rejectUnauthorized: boolean;
    checkServerIdentity: IdentityCheck;
    sessionKey: string;
    presented: boolean;
    /** `FailureContext.identity`: `namespace/name@version sha256`. */
    failureIdentity: string;
  };
}

const connections = new WeakMap<net.Socket, ConnectionInfo>();
const sharedSessions = new WeakMap<CredentialStore, SessionCache>();
const generations = new WeakMap<CredentialStore, { value: number }>();

/** What the dialer knows about a socket it made. */
export function connectionInfo(socket: net.Socket): ConnectionInfo | undefined {
  return connections.get(socket);
}

/** The TLS session cache of a store, made on first use and shared by all its dialers. */
export function sessionCacheFor(store: CredentialStore): SessionCache {
  let cache = sharedSessions.get(store);
  if (!cache) {
    const created = new SessionCache();
    // A rotated or deleted identity must not resume under its old session.
    store.on('change', (change) => {
      if (change.kind === 'client') created.deleteIdentity(change.key);
      else created.clear();
    });
    sharedSessions.set(store, created);
    cache = created;
  }
  return cache;
}

/**
 * Counts a store's changes, so dialers can keep their plan until the next one. Prepended:
 * every other 'change' listener (pool retirement asks `identity()`) already sees the new count.
 */
function generationOf(store: CredentialStore): { value: number } {
  let generation = generations.get(store);
  if (!generation) {
    const created = { value: 0 };
    store.prependListener('change', () => void created.value++);
    generations.set(store, created);
    generation = created;
  }
  return generation;
}

export function createUpstreamDialer(upstream: Upstream, options: UpstreamDialerOptions): UpstreamDialer {
  const { credentials, resolve } = options;
  const timeouts: Timeouts = resolveTimeouts({
    connect: options.connectTimeout,
    handshake: options.handshakeTimeout,
    postHandshake: options.postHandshakeTimeout,
  });
  const contexts = options.secureContexts ?? secureContextCacheFor(credentials);
  const sessions = options.sessionCache === false ? undefined : (options.sessionCache ?? sessionCacheFor(credentials));
  const generation = generationOf(credentials);
  let target: UpstreamTarget | undefined;
  // The plan only changes with the store (a rotation is a 'change'), so it is kept until
  // the next one instead of rebuilding keys and checks on every request and dial.
  // Failures are not kept: a fail-closed plan is tried again next time.
  let planned: { generation: number; plan: DialPlan } | undefined;

  function currentPlan(): DialPlan {
    if (planned && planned.generation === generation.value) return planned.plan;
    const at = generation.value;
    const made = plan();
    planned = { generation: at, plan: made };
    return made;
  }

  function plan(): DialPlan {
    if (upstream.unavailable) {
      throw new UpstreamError('upstream_unavailable', `upstream is not dialed: ${upstream.unavailable.reason}`, {
        phase: 'config',
        upstream: upstream.name,
        cause: upstream.unavailable.code,
      });
    }
    target ??= upstreamTarget(upstream);
    const settings = upstream.tls;
    if (!target.secure || !settings) return { target, identity: `${upstream.name}|plain` };
    let client;
    if (settings.clientCertificate) {
      client = credentials.get(settings.clientCertificate.secret);
      if (!client) {
        const { namespace, name } = settings.clientCertificate.secret;
        throw new UpstreamError(
          'client_certificate_missing',
          `client certificate Secret ${namespace}/${name} is not in the credential store`,
          { phase: 'config', upstream: upstream.name },
        );
      }
    }
    const { verification } = settings;
    const caSha256 = verification.mode === 'ca' ? verification.caSha256 : undefined;
    const versions = {
      minVersion: settings.minVersion,
      ...(settings.maxVersion ? { maxVersion: settings.maxVersion } : {}),
      ...(settings.ciphers ? { ciphers: settings.ciphers } : {}),
    };
    const entry = contexts.get({
      ...(client ? { client } : {}),
      ...(caSha256 ? { caSha256 } : {}),
      ...versions,
      upstream: upstream.name,
    });
    // Never an IP literal as SNI (RFC 6066); IP SANs are still verified.
    const servername = net.isIP(settings.serverName) ? undefined : settings.serverName;
    const verifies = verificationKey(verification, settings.verifyDepth);
    const parameters = contextParameters(versions);
    const key = sessionKey({
      host: target.host,
      port: target.port,
      servername: servername ?? '',
      verification: verifies,
      caSha256: caSha256 ?? 'default',
      identity: entry.identity,
      clientSha256: entry.clientSha256 ?? '',
      // The default versions keep the key they always had.
      ...(parameters !== contextParameters({ minVersion: 'TLSv1.2' }) ? { parameters } : {}),
    });
    return {
      target,
      identity: `${upstream.name}|${key}|alpn=${settings.alpn.join(',')}`,
      tls: {
        entry,
        servername,
        alpn: settings.alpn,
        rejectUnauthorized: verification.mode !== 'none',
        checkServerIdentity: identityCheck(verification, settings.verifyDepth),
        sessionKey: key,
        presented: client !== undefined,
        failureIdentity: `${entry.identity}${entry.clientSha256 ? ` ${entry.clientSha256}` : ''}`,
      },
    };
  }

  function start(dial: DialPlan, dialOptions: DialOptions | undefined): { socket: net.Socket; ready: Promise<net.Socket> } {
    const endpoint = dialOptions?.endpoint;
    const address = resolveTarget(endpoint ? { ...dial.target, host: endpoint.host, port: endpoint.port } : dial.target, resolve);
    const endpointKey = endpoint
      ? endpoint.host.includes(':')
        ? `[${endpoint.host}]:${endpoint.port}`
        : `${endpoint.host}:${endpoint.port}`
      : undefined;
    const ticketKey = dial.tls ? (endpointKey ? `${dial.tls.sessionKey}|@${endpointKey}` : dial.tls.sessionKey) : '';
    const context: FailureContext = {
      phase: net.isIP(address.host) ? 'tcp' : 'dns',
      upstream: upstream.name,
      identity: dial.tls ? dial.tls.failureIdentity : 'plain',
      presentedCertificate: dial.tls?.presented ?? false,
    };
    const info: ConnectionInfo = {
      upstream: upstream.name,
      identity: dial.identity,
      ...(endpointKey ? { endpoint: endpointKey } : {}),
      clientIdentity: dial.tls?.entry.identity ?? 'anonymous',
      ...(dial.tls?.entry.clientSha256 ? { clientSha256: dial.tls.entry.clientSha256 } : {}),
      ready: false,
    };
    const { deny } = options;
    if (deny && net.isIP(address.host)) deny.check(address.host, address.port, upstream.name);
    const lookup = deny ? deny.guardLookup(address.port, upstream.name, options.lookup) : options.lookup;
    const tcp = net.connect({
      host: address.host,
      port: address.port,
      noDelay: true,
      keepAlive: true,
      ...(lookup ? { lookup } : {}),
    });
    if (upstream.proxyProtocolVersion) tcp.write(proxyProtocolHeader(upstream.proxyProtocolVersion, dialOptions?.proxyProtocol));
    let socket: net.Socket = tcp;
    let offeredSession = false;
    if (dial.tls) {
      const session = sessions?.get(ticketKey);
      offeredSession = session !== undefined;
      const offered = dialOptions?.alpn;
      const alpn = offered ? dial.tls.alpn.filter((id) => offered.includes(id)) : dial.tls.alpn;
      socket = tls.connect({
        socket: tcp,
        secureContext: dial.tls.entry.context,
        ...(dial.tls.servername ? { servername: dial.tls.servername } : {}),
        ...(alpn.length ? { ALPNProtocols: alpn } : {}),
        rejectUnauthorized: dial.tls.rejectUnauthorized,
        checkServerIdentity: dial.tls.checkServerIdentity,
        ...(session ? { session } : {}),
      });
    }
    connections.set(socket, info);
    const dialing = new Dialing(
      socket,
      tcp,
      info,
      context,
      timeouts,
      dial.tls && sessions ? { cache: sessions, key: ticketKey, offered: offeredSession } : undefined,
      dialOptions?.timeoutMs !== undefined ? Date.now() + dialOptions.timeoutMs : undefined,
    );
    if (dial.tls) holdWrites(socket, dialing.ready);
    const signal = dialOptions?.signal;
    if (signal) {
      const abandon = () =>
        socket.destroy(
          new UpstreamError('proxy_closed', `dial abandoned (${upstream.name})`, { phase: context.phase, upstream: upstream.name }),
        );
      if (signal.aborted) abandon();
      else {
        signal.addEventListener('abort', abandon, { once: true });
        dialing.ready.then(
          () => signal.removeEventListener('abort', abandon),
          () => signal.removeEventListener('abort', abandon),
        );
      }
    }
    return { socket, ready: dialing.ready };
  }

  function failedSocket(err: Error): net.Socket {
    const socket = new net.Socket();
    nextTick(() => socket.destroy(err));
    return socket;
  }

  return {
    upstream,
    credentials,
    identity: () => currentPlan().identity,
    connect(dialOptions) {
      try {
        return start(currentPlan(), dialOptions).ready;
      } catch (err) {
        return Promise.reject(classifyUpstreamError(err, { phase: 'config', upstream: upstream.name }));
      }
    },
    createConnection: ((_options?: unknown, callback?: (err: Error | null, socket: net.Socket | null) => void): net.Socket => {
      let started;
      try {
        started = start(currentPlan(), undefined);
      } catch (err) {
        const typed = classifyUpstreamError(err, { phase: 'config', upstream: upstream.name });
        if (callback) nextTick(callback, typed, null);
        return failedSocket(typed);
      }
      if (callback)
        started.ready.then(
          (socket) => callback(null, socket),
          (err: Error) => callback(err, null),
        );
      return started.socket;
    }) as UpstreamDialer['createConnection'],
  };
}

// Dials in progress, by their TLS socket and by its TCP socket. The listeners below are
// shared by every dial and find their dial here, instead of a set of closures per dial.
const dials = new WeakMap<net.Socket, Dialing>();

/**
 * One connection from dial to verdict: resolves `ready` once the connection is fit for
 * requests, or rejects with the typed error and destroys it. Also stores the session
 * tickets the connection receives (for its whole life).
 */
class Dialing {
  readonly ready: Promise<net.Socket>;
  settled = false;
  timer: NodeJS.Timeout | undefined;
  timeoutCode: 'connect_timeout' | 'handshake_timeout' = 'connect_timeout';
  timeoutPhase: UpstreamErrorPhase = 'tcp';
  timeoutMs = 0;
  #resolve!: (socket: net.Socket) => void;
  #reject!: (err: Error) => void;

  constructor(
    readonly socket: net.Socket,
    tcp: net.Socket,
    readonly info: ConnectionInfo,
    readonly context: FailureContext,
    readonly timeouts: Timeouts,
    readonly sessions: { cache: SessionCache; key: string; offered: boolean } | undefined,
    /** Epoch ms by which the whole dial must be done (`DialOptions.timeoutMs`). */
    readonly deadline: number | undefined,
  ) {
    this.ready = new Promise<net.Socket>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Readiness is observed by the callers that want it; never an unhandled rejection.
    this.ready.catch(ignore);
    dials.set(socket, this);
    if (tcp !== socket) dials.set(tcp, this);
    typeErrors(socket, context);
    if (sessions) socket.on('session', storeTicket);
    socket.on('error', onDialError);
    socket.on('end', onDialEnd);
    socket.on('close', onDialClose);
    this.arm(timeouts.connect, 'connect_timeout', 'tcp');
    tcp.once('lookup', onDialLookup);
    tcp.once('connect', onDialConnect);
    if (socket !== tcp) socket.once('secureConnect', onDialSecure);
  }

  get upstream(): string {
    return this.info.upstream;
  }

  arm(phaseMs: number, code: 'connect_timeout' | 'handshake_timeout', phase: UpstreamErrorPhase): void {
    clearTimeout(this.timer);
    const ms = this.deadline === undefined ? phaseMs : Math.max(0, Math.min(phaseMs, this.deadline - Date.now()));
    this.timeoutMs = ms;
    this.timeoutCode = code;
    this.timeoutPhase = phase;
    this.timer = setTimeout(dialTimedOut, ms, this);
  }

  settle(err?: Error): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const { socket, context } = this;
    socket.off('error', onDialError);
    socket.off('end', onDialEnd);
    socket.off('close', onDialClose);
    if (err) {
      if (this.sessions?.offered) this.sessions.cache.delete(this.sessions.key);
      // Late errors of a failed dial (an 'error' after 'end') must not go unhandled.
      socket.on('error', ignore);
      socket.destroy();
      this.#reject(err);
      return;
    }
    this.info.ready = true;
    context.phase = 'request';
    context.established = true;
    typeLaterErrors(socket);
    this.#resolve(socket);
  }

  /** The connection closed (or ended in the TLS 1.3 verdict window) before it was ready. */
  closed(): void {
    const { socket, context } = this;
    // A close with no error after a TLS 1.3 handshake is how a Node server rejects our certificate.
    const err =
      context.phase === 'post-handshake' && context.presentedCertificate
        ? new UpstreamError(
            'client_certificate_rejected',
            `upstream closed the connection after the handshake; it rejected the client certificate (${this.upstream})`,
            { phase: 'post-handshake', upstream: this.upstream, ...(context.identity ? { identity: context.identity } : {}) },
          )
        : classifyUpstreamError(
            Object.assign(new Error('upstream closed the connection before it was ready'), { code: 'ECONNRESET' }),
            context,
          );
    this.settle(err);
    // A client that took the socket synchronously (http.Agent) would only see "socket hang up";
    // tell it why. This listener runs before theirs, and an 'error' first suppresses that message.
    if (socket.listenerCount('error') > 0) socket.emit('error', err);
  }

  secureConnect(): void {
    const tlsSocket = this.socket as tls.TLSSocket;
    const { info, context } = this;
    info.tlsVersion = tlsSocket.getProtocol() ?? undefined;
    info.alpnProtocol = tlsSocket.alpnProtocol ?? false;
    info.sessionReused = tlsSocket.isSessionReused();
    context.tlsVersion = info.tlsVersion;
    // A resumed session was issued after the server accepted this very identity (the
    // cache only holds tickets that arrived as a verdict), so there is nothing to wait for.
    if (info.tlsVersion !== 'TLSv1.3' || info.sessionReused) return this.settle();
    // TLS 1.3: the client finishes first; the server's verdict on our certificate comes
    // after secureConnect — a session ticket when it accepted, an alert or a close when not.
    context.phase = 'post-handshake';
    tlsSocket.once('session', onVerdictTicket);
    clearTimeout(this.timer);
    const wait = this.timeouts.postHandshake;
    this.timer = setTimeout(settleDial, this.deadline === undefined ? wait : Math.max(0, Math.min(wait, this.deadline - Date.now())), this);
  }
}

function ignore(): void {}

function dialTimedOut(dialing: Dialing): void {
  const { timeoutCode: code, timeoutMs: ms, timeoutPhase: phase, context } = dialing;
  dialing.socket.destroy(
    new UpstreamError(
      code,
      `${code === 'connect_timeout' ? 'connect' : 'TLS handshake'} did not finish within ${ms} ms (${dialing.upstream})`,
      { phase, upstream: dialing.upstream, ...(context.identity ? { identity: context.identity } : {}) },
    ),
  );
}

function settleDial(dialing: Dialing): void {
  dialing.settle();
}

function onDialError(this: net.Socket, err: Error): void {
  dials.get(this)?.settle(err);
}

function onDialClose(this: net.Socket): void {
  dials.get(this)?.closed();
}

// In the TLS 1.3 verdict window 'end' counts as the close: an http client reports
// "socket hang up" on 'end', before 'close'. Elsewhere the error that follows says more.
function onDialEnd(this: net.Socket): void {
  const dialing = dials.get(this);
  if (dialing?.context.phase === 'post-handshake') dialing.closed();
}

function onDialLookup(this: net.Socket): void {
  const dialing = dials.get(this);
  if (dialing?.context.phase === 'dns') dialing.context.phase = 'tcp';
}

function onDialConnect(this: net.Socket): void {
  const dialing = dials.get(this);
  if (!dialing) return;
  if (dialing.socket === this) return dialing.settle();
  dialing.context.phase = 'tls';
  dialing.arm(dialing.timeouts.handshake, 'handshake_timeout', 'tls');
}

function onDialSecure(this: net.Socket): void {
  dials.get(this)?.secureConnect();
}

// Settle outside the 'session' callback: a write made inside it (OpenSSL is still
// reading the ticket) is never flushed — measured on Node 20.20.
function onVerdictTicket(this: net.Socket): void {
  const dialing = dials.get(this);
  if (dialing) setImmediate(settleDial, dialing);
}

function storeTicket(this: net.Socket, ticket: Buffer): void {
  const sessions = dials.get(this)?.sessions;
  sessions?.cache.set(sessions.key, ticket);
}
