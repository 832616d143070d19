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
import { proxyProtocolHeader, type ProxyAddresses } from './proxy-protocol.js';
import { secureContextCacheFor, type ContextEntry, type SecureContextCache } from './secure-context-cache.js';
import { SessionCache, sessionKey } from './session-cache.js';
import { resolveTimeouts, type Timeouts } from './timeouts/defaults.js';
import { classifyUpstreamError, UpstreamError, type FailureContext, type UpstreamErrorPhase } from './upstream-errors.js';
import { resolveTarget, upstreamTarget, type Resolve, type UpstreamTarget } from './upstream-target.js';
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
}

export interface DialOptions {
  /** Original client and listener addresses, for upstreams that want a PROXY protocol header. */
  proxyProtocol?: ProxyAddresses;
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
  };
}

const connections = new WeakMap<net.Socket, ConnectionInfo>();
const sharedSessions = new WeakMap<CredentialStore, SessionCache>();

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

export function createUpstreamDialer(upstream: Upstream, options: UpstreamDialerOptions): UpstreamDialer {
  const { credentials, resolve } = options;
  const timeouts: Timeouts = resolveTimeouts({ connect: options.connectTimeout, handshake: options.handshakeTimeout, postHandshake: options.postHandshakeTimeout });
  const contexts = options.secureContexts ?? secureContextCacheFor(credentials);
  const sessions = options.sessionCache === false ? undefined : (options.sessionCache ?? sessionCacheFor(credentials));
  let target: UpstreamTarget | undefined;

  function plan(): DialPlan {
    if (upstream.unavailable) {
      throw new UpstreamError('upstream_unavailable', `upstream is not dialed: ${upstream.unavailable.reason}`, { phase: 'config', upstream: upstream.name, cause: upstream.unavailable.code });
    }
    target ??= upstreamTarget(upstream);
    const settings = upstream.tls;
    if (!target.secure || !settings) return { target, identity: `${upstream.name}|plain` };
    let client;
    if (settings.clientCertificate) {
      client = credentials.get(settings.clientCertificate.secret);
      if (!client) {
        const { namespace, name } = settings.clientCertificate.secret;
        throw new UpstreamError('client_certificate_missing', `client certificate Secret ${namespace}/${name} is not in the credential store`, { phase: 'config', upstream: upstream.name });
      }
    }
    const { verification } = settings;
    const caSha256 = verification.mode === 'ca' ? verification.caSha256 : undefined;
    const entry = contexts.get({ ...(client ? { client } : {}), ...(caSha256 ? { caSha256 } : {}), minVersion: settings.minVersion, upstream: upstream.name });
    // Never an IP literal as SNI (RFC 6066); IP SANs are still verified.
    const servername = net.isIP(settings.serverName) ? undefined : settings.serverName;
    const verifies = verificationKey(verification);
    const key = sessionKey({
      host: target.host,
      port: target.port,
      servername: servername ?? '',
      verification: verifies,
      caSha256: caSha256 ?? 'default',
      identity: entry.identity,
      clientSha256: entry.clientSha256 ?? '',
    });
    return {
      target,
      identity: `${upstream.name}|${key}|alpn=${settings.alpn.join(',')}`,
      tls: {
        entry,
        servername,
        alpn: settings.alpn,
        rejectUnauthorized: verification.mode !== 'none',
        checkServerIdentity: identityCheck(verification),
        sessionKey: key,
        presented: client !== undefined,
      },
    };
  }

  function start(dial: DialPlan, dialOptions: DialOptions | undefined): { socket: net.Socket; ready: Promise<net.Socket> } {
    const address = resolveTarget(dial.target, resolve);
    const context: FailureContext = {
      phase: net.isIP(address.host) ? 'tcp' : 'dns',
      upstream: upstream.name,
      identity: dial.tls ? `${dial.tls.entry.identity}${dial.tls.entry.clientSha256 ? ` ${dial.tls.entry.clientSha256}` : ''}` : 'plain',
      presentedCertificate: dial.tls?.presented ?? false,
    };
    const info: ConnectionInfo = {
      upstream: upstream.name,
      identity: dial.identity,
      clientIdentity: dial.tls?.entry.identity ?? 'anonymous',
      ...(dial.tls?.entry.clientSha256 ? { clientSha256: dial.tls.entry.clientSha256 } : {}),
      ready: false,
    };
    const tcp = net.connect({ host: address.host, port: address.port, noDelay: true, keepAlive: true, ...(options.lookup ? { lookup: options.lookup } : {}) });
    if (upstream.proxyProtocolVersion) tcp.write(proxyProtocolHeader(upstream.proxyProtocolVersion, dialOptions?.proxyProtocol));
    let socket: net.Socket = tcp;
    let offeredSession = false;
    if (dial.tls) {
      const session = sessions?.get(dial.tls.sessionKey);
      offeredSession = session !== undefined;
      socket = tls.connect({
        socket: tcp,
        secureContext: dial.tls.entry.context,
        ...(dial.tls.servername ? { servername: dial.tls.servername } : {}),
        ...(dial.tls.alpn.length ? { ALPNProtocols: dial.tls.alpn } : {}),
        rejectUnauthorized: dial.tls.rejectUnauthorized,
        checkServerIdentity: dial.tls.checkServerIdentity,
        ...(session ? { session } : {}),
      });
      const key = dial.tls.sessionKey;
      socket.on('session', (ticket: Buffer) => sessions?.set(key, ticket));
    }
    connections.set(socket, info);
    typeErrors(socket, context);

    const ready = new Promise<net.Socket>((resolveReady, rejectReady) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const arm = (ms: number, code: 'connect_timeout' | 'handshake_timeout', phase: UpstreamErrorPhase) => {
        clearTimeout(timer);
        timer = setTimeout(() => socket.destroy(new UpstreamError(code, `${code === 'connect_timeout' ? 'connect' : 'TLS handshake'} did not finish within ${ms} ms (${upstream.name})`, { phase, upstream: upstream.name, ...(context.identity ? { identity: context.identity } : {}) })), ms);
      };
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.off('error', onError);
        socket.off('end', onEnd);
        socket.off('close', onClose);
        if (err) {
          if (offeredSession && dial.tls) sessions?.delete(dial.tls.sessionKey);
          // Late errors of a failed dial (an 'error' after 'end') must not go unhandled.
          socket.on('error', () => undefined);
          socket.destroy();
          rejectReady(err);
          return;
        }
        info.ready = true;
        context.phase = 'request';
        context.established = true;
        resolveReady(socket);
      };
      const onError = (err: Error) => settle(err);
      const onClose = () => {
        // A close with no error after a TLS 1.3 handshake is how a Node server rejects our certificate.
        const err =
          context.phase === 'post-handshake' && context.presentedCertificate
            ? new UpstreamError('client_certificate_rejected', `upstream closed the connection after the handshake; it rejected the client certificate (${upstream.name})`, { phase: 'post-handshake', upstream: upstream.name, ...(context.identity ? { identity: context.identity } : {}) })
            : classifyUpstreamError(Object.assign(new Error('upstream closed the connection before it was ready'), { code: 'ECONNRESET' }), context);
        settle(err);
        // A client that took the socket synchronously (http.Agent) would only see "socket hang up";
        // tell it why. This listener runs before theirs, and an 'error' first suppresses that message.
        if (socket.listenerCount('error') > 0) socket.emit('error', err);
      };
      // In the TLS 1.3 verdict window 'end' counts as the close: an http client reports
      // "socket hang up" on 'end', before 'close'. Elsewhere the error that follows says more.
      const onEnd = () => {
        if (context.phase === 'post-handshake') onClose();
      };
      socket.on('error', onError);
      socket.on('end', onEnd);
      socket.on('close', onClose);
      arm(timeouts.connect, 'connect_timeout', 'tcp');
      tcp.once('lookup', () => {
        if (context.phase === 'dns') context.phase = 'tcp';
      });
      tcp.once('connect', () => {
        if (!dial.tls) return settle();
        context.phase = 'tls';
        arm(timeouts.handshake, 'handshake_timeout', 'tls');
      });
      if (!dial.tls) return;
      const tlsSocket = socket as tls.TLSSocket;
      tlsSocket.once('secureConnect', () => {
        info.tlsVersion = tlsSocket.getProtocol() ?? undefined;
        info.alpnProtocol = tlsSocket.alpnProtocol ?? false;
        info.sessionReused = tlsSocket.isSessionReused();
        context.tlsVersion = info.tlsVersion;
        // A resumed session was issued after the server accepted this very identity (the
        // cache only holds tickets that arrived as a verdict), so there is nothing to wait for.
        if (info.tlsVersion !== 'TLSv1.3' || info.sessionReused) return settle();
        // TLS 1.3: the client finishes first; the server's verdict on our certificate comes
        // after secureConnect — a session ticket when it accepted, an alert or a close when not.
        context.phase = 'post-handshake';
        // Settle outside the 'session' callback: a write made inside it (OpenSSL is still
        // reading the ticket) is never flushed — measured on Node 20.20.
        tlsSocket.once('session', () => setImmediate(() => settle()));
        clearTimeout(timer);
        timer = setTimeout(() => settle(), timeouts.postHandshake);
      });
    });
    // Readiness is observed by the callers that want it; never an unhandled rejection.
    ready.catch(() => undefined);
    if (dial.tls) holdWrites(socket, ready);
    return { socket, ready };
  }

  function failedSocket(err: Error): net.Socket {
    const socket = new net.Socket();
    nextTick(() => socket.destroy(err));
    return socket;
  }

  return {
    upstream,
    credentials,
    identity: () => plan().identity,
    connect(dialOptions) {
      try {
        return start(plan(), dialOptions).ready;
      } catch (err) {
        return Promise.reject(classifyUpstreamError(err, { phase: 'config', upstream: upstream.name }));
      }
    },
    createConnection: ((_options?: unknown, callback?: (err: Error | null, socket: net.Socket | null) => void): net.Socket => {
      let started;
      try {
        started = start(plan(), undefined);
      } catch (err) {
        const typed = classifyUpstreamError(err, { phase: 'config', upstream: upstream.name });
        if (callback) nextTick(callback, typed, null);
        return failedSocket(typed);
      }
      if (callback) started.ready.then((socket) => callback(null, socket), (err: Error) => callback(err, null));
      return started.socket;
    }) as UpstreamDialer['createConnection'],
  };
}

/**
 * Writes wait for the dialer's verdict. A client that took the socket synchronously
 * (http.Agent) writes its request at once; under TLS 1.3 those bytes would leave before
 * the server judged our certificate, and a server closing with unread data resets the
 * connection, hiding the rejection. Held writes go out once the socket is ready, or fail
 * with the typed error.
 */
function holdWrites(socket: net.Socket, ready: Promise<net.Socket>): void {
  const held: (() => void)[] = [];
  let verdict: Error | null | undefined;
  const hold = <A extends unknown[]>(write: (this: net.Socket, ...args: A) => void, callback: (args: A) => (err: Error) => void) =>
    function (this: net.Socket, ...args: A): void {
      if (verdict === null) return write.apply(this, args);
      if (verdict) return callback(args)(verdict);
      held.push(() => (verdict === null ? write.apply(this, args) : callback(args)(verdict ?? new Error('not ready'))));
    };
  const proto = Object.getPrototypeOf(socket) as net.Socket;
  socket._write = hold(proto._write, (args) => args[2]);
  if (proto._writev) socket._writev = hold(proto._writev, (args) => args[1]);
  const release = (result: Error | null) => {
    verdict = result;
    // Later writes take the plain path again.
    Reflect.deleteProperty(socket, '_write');
    Reflect.deleteProperty(socket, '_writev');
    for (const run of held.splice(0)) run();
  };
  ready.then(
    () => release(null),
    (err: Error) => release(err),
  );
}

/** Every 'error' the socket emits is classified in the context of the dial (once). */
function typeErrors(socket: net.Socket, context: FailureContext): void {
  const emit = socket.emit;
  socket.emit = function (this: net.Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error') args[0] = classifyUpstreamError(args[0], context);
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof socket.emit;
}
