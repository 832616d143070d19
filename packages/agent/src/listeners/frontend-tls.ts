// TLS towards clients, from the model: per listener port, the TLS listeners (one per server
// name pattern: a Gateway listener's hostname, `*` for none, else the endpoint host) with
// their certificates and client verification. A connection's ClientHello picks the listener
// (exact name, then the longest wildcard suffix, then the default) and, among its
// certificates, the one covering the name; one SecureContext per certificate (and client CA),
// reused across connections and reloads, rebuilt when the Secret changes or its session
// ticket keys are due for rotation. A name without a usable certificate gets a handshake
// alert; the other names on the port keep working.
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import type net from 'node:net';
import tls from 'node:tls';
import type { CertificateInfo, ClientVerification, CredentialStore, Endpoint, TlsVersion, TranslationModel } from '@kupstream/core';
import { endpointAddress } from '../router.js';
import { readClientHello } from './client-hello.js';
import { clientIdentityOf, type ClientIdentity } from './client-identity.js';
import { parseCaBundle, verifyClientChain } from './client-verification.js';

export interface FrontendTlsOptions {
  /** Lowest TLS version offered when the model says none; default TLS 1.2. */
  minVersion?: TlsVersion;
  /** How long a SecureContext's session ticket keys are used before new ones are made; default 12 h. */
  ticketKeyRotationMs?: number;
  /** How long a client may take to send its ClientHello; default 10 s. */
  helloTimeoutMs?: number;
  /** Clock for ticket key rotation (ms). */
  now?: () => number;
  /**
   * Which endpoints it terminates: `https` (default) for HTTP listeners, `tls` for tls://
   * endpoints with their own certificate (AgentEndpoint tlsTermination), port 443 when the
   * URL has none.
   */
  scheme?: 'https' | 'tls';
}

export const DEFAULT_FRONTEND_TLS = Object.freeze({
  minVersion: 'TLSv1.2' as TlsVersion,
  ticketKeyRotationMs: 12 * 60 * 60 * 1000,
  helloTimeoutMs: 10_000,
});

/** What a TLS listener gives the connections it accepts. */
interface TlsListener {
  /** `app.example.com`, `*.example.com`, or `*` */
  pattern: string;
  certificates: CertificateEntry[];
  verification?: { mode: ClientVerification['mode']; caSha256: string; cas: X509Certificate[]; forwardCertificate: boolean };
  minVersion: TlsVersion;
}

interface CertificateEntry {
  info: CertificateInfo;
  /** DNS names of the leaf's subjectAltName, lower-case. */
  names: string[];
  certChainPem: string;
  keyPem: string;
  version: number;
}

interface TlsPort {
  exact: Map<string, TlsListener>;
  /** `*.x` patterns, the longest suffix first. */
  wildcards: TlsListener[];
  fallback?: TlsListener;
}

/** A TLS connection accepted: the socket and the listener that took it. */
export interface AcceptedTls {
  socket: tls.TLSSocket;
  /** The server name the client asked for ('' without SNI). */
  serverName: string;
}

export type TlsRefusal = { reason: string };

const ALPN = ['h2', 'http/1.1'];

/** `*.example.com` matches any name under example.com (Gateway API listener hostnames). */
function wildcardCovers(pattern: string, name: string): boolean {
  const suffix = pattern.slice(1);
  return name.length > suffix.length && name.endsWith(suffix);
}

/** Certificate names (RFC 6125): a `*.` name covers exactly one more label. */
function certificateCovers(certName: string, host: string): boolean {
  if (certName === host) return true;
  if (!certName.startsWith('*.')) return false;
  const suffix = certName.slice(1);
  return host.endsWith(suffix) && host.length > suffix.length && !host.slice(0, -suffix.length).includes('.');
}

function dnsNames(chainPem: string): string[] {
  try {
    return (new X509Certificate(chainPem).subjectAltName ?? '')
      .split(', ')
      .filter((entry) => entry.startsWith('DNS:'))
      .map((entry) => entry.slice(4).toLowerCase());
  } catch {
    return [];
  }
}

function hostOnly(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']'));
  const colon = value.lastIndexOf(':');
  return (colon === -1 ? value : value.slice(0, colon)).replace(/\.$/, '');
}

const VERSION_RANK: Record<TlsVersion, number> = { 'TLSv1.2': 2, 'TLSv1.3': 3 };

export class FrontendTls {
  readonly #minVersion: TlsVersion;
  readonly #rotationMs: number;
  readonly #helloTimeoutMs: number;
  readonly #now: () => number;
  readonly #scheme: 'https' | 'tls';
  #ports = new Map<number, TlsPort>();
  /** SecureContexts by certificate version, client CA and minimum version. */
  #contexts = new Map<string, { context: tls.SecureContext; createdAt: number }>();

  constructor(options: FrontendTlsOptions = {}) {
    this.#minVersion = options.minVersion ?? DEFAULT_FRONTEND_TLS.minVersion;
    this.#rotationMs = options.ticketKeyRotationMs ?? DEFAULT_FRONTEND_TLS.ticketKeyRotationMs;
    this.#helloTimeoutMs = options.helloTimeoutMs ?? DEFAULT_FRONTEND_TLS.helloTimeoutMs;
    this.#now = options.now ?? Date.now;
    this.#scheme = options.scheme ?? 'https';
    if (!(this.#rotationMs > 0)) throw new RangeError('ticketKeyRotationMs must be a positive number of milliseconds');
    if (!(this.#helloTimeoutMs > 0)) throw new RangeError('helloTimeoutMs must be a positive number of milliseconds');
    if (!(this.#minVersion in VERSION_RANK)) throw new RangeError(`minVersion must be TLSv1.2 or TLSv1.3, not ${String(this.#minVersion)}`);
  }

  /** Rebuilds the listeners from the model's https:// endpoints; SecureContexts of unchanged certificates are kept. */
  update(model: TranslationModel, credentials: CredentialStore): void {
    const ports = new Map<number, Map<string, TlsListener>>();
    for (const endpoint of model.endpoints) {
      const address = endpointAddress(endpoint.url);
      if (!address || address.scheme !== this.#scheme) continue;
      // tls:// endpoints are terminated only when the model gives them a certificate.
      if (this.#scheme === 'tls' && !endpoint.tls) continue;
      const port = address.port ?? 443;
      let listeners = ports.get(port);
      if (!listeners) ports.set(port, (listeners = new Map()));
      const pattern = (endpoint.tls?.serverName ?? address.host).toLowerCase();
      const listener = listeners.get(pattern) ?? { pattern, certificates: [], minVersion: this.#minVersion };
      listeners.set(pattern, listener);
      this.#addTls(listener, endpoint, credentials);
    }
    const next = new Map<number, TlsPort>();
    for (const [port, listeners] of ports) {
      const entry: TlsPort = { exact: new Map(), wildcards: [] };
      for (const listener of listeners.values()) {
        if (listener.pattern === '*') entry.fallback = listener;
        else if (listener.pattern.startsWith('*.')) entry.wildcards.push(listener);
        else entry.exact.set(listener.pattern, listener);
      }
      entry.wildcards.sort((a, b) => b.pattern.length - a.pattern.length || (a.pattern < b.pattern ? -1 : 1));
      next.set(port, entry);
    }
    this.#ports = next;
    // Contexts no listener uses any more go (connections holding one keep it).
    const used = new Set<string>();
    for (const port of next.values())
      for (const listener of [...port.exact.values(), ...port.wildcards, ...(port.fallback ? [port.fallback] : [])])
        for (const cert of listener.certificates) used.add(this.#contextKey(listener, cert));
    for (const key of this.#contexts.keys()) if (!used.has(key)) this.#contexts.delete(key);
  }

  #addTls(listener: TlsListener, endpoint: Endpoint, credentials: CredentialStore): void {
    const tlsModel = endpoint.tls;
    if (!tlsModel) return;
    for (const info of tlsModel.certificates) {
      if (listener.certificates.some((c) => c.info.secret.namespace === info.secret.namespace && c.info.secret.name === info.secret.name))
        continue;
      const stored = credentials.get(info.secret);
      if (!stored) continue; // not resolved: that name gets a handshake alert
      listener.certificates.push({
        info,
        names: dnsNames(stored.certChainPem),
        certChainPem: stored.certChainPem,
        keyPem: stored.keyPem,
        version: stored.version,
      });
    }
    const verification = tlsModel.clientVerification;
    if (verification && !listener.verification) {
      const caPem = credentials.getCaBundle(verification.caSha256);
      // Fail closed: a listener asking for client certificates without its CA accepts no one.
      listener.verification = {
        mode: verification.mode,
        caSha256: verification.caSha256,
        cas: caPem ? parseCaBundle(caPem) : [],
        forwardCertificate: verification.forwardCertificate === true,
      };
    }
    if (tlsModel.minVersion && VERSION_RANK[tlsModel.minVersion] > VERSION_RANK[listener.minVersion])
      listener.minVersion = tlsModel.minVersion;
  }

  /** Whether the model serves https:// endpoints on this listener port. */
  isTlsPort(port: number): boolean {
    return this.#ports.has(port);
  }

  /** The listener for a server name on a port: exact, the longest wildcard, then the default. */
  #listenerFor(port: number, serverName: string): TlsListener | undefined {
    const entry = this.#ports.get(port);
    if (!entry) return undefined;
    if (serverName) {
      const exact = entry.exact.get(serverName);
      if (exact) return exact;
      const wildcard = entry.wildcards.find((l) => wildcardCovers(l.pattern, serverName));
      if (wildcard) return wildcard;
    }
    if (entry.fallback) return entry.fallback;
    // No SNI and no default listener: the only listener, when there is one.
    if (!serverName && entry.exact.size + entry.wildcards.length === 1) return [...entry.exact.values(), ...entry.wildcards][0];
    return undefined;
  }

  /**
   * Whether a request's host belongs to the listener its connection's server name chose
   * (a request for another listener's host is misdirected: 421).
   */
  hostAllowed(port: number, serverName: string, host: string): boolean {
    const connection = this.#listenerFor(port, serverName);
    const requested = this.#listenerFor(port, hostOnly(host));
    return connection === undefined || requested === connection;
  }

  /**
   * Reads the ClientHello, chooses listener and certificate, and runs the handshake;
   * `onSecure` gets the connection once the client is accepted (client certificate checked
   * as the listener demands). A refused connection is ended with an alert and `onRefused`
   * says why (no secret in it).
   */
  accept(socket: net.Socket, port: number, onSecure: (accepted: AcceptedTls) => void, onRefused?: (refusal: TlsRefusal) => void): void {
    readClientHello(socket, this.#helloTimeoutMs, (read) => {
      if (read.ok) return this.acceptHello(socket, port, read.bytes, read.serverName, onSecure, onRefused);
      onRefused?.({ reason: read.reason });
      // decode_error (50) for what is not a ClientHello; a closed or silent client just goes.
      if (read.reason.startsWith('malformed') || read.reason.includes('too large')) socket.end(Buffer.from([21, 3, 3, 0, 2, 2, 50]));
      else socket.destroy();
    });
  }

  /**
   * The handshake for a connection whose ClientHello (`hello`, the bytes read so far) was
   * already read by the caller, e.g. to choose between termination and pass-through.
   */
  acceptHello(
    socket: net.Socket,
    port: number,
    hello: Buffer,
    serverName: string,
    onSecure: (accepted: AcceptedTls) => void,
    onRefused?: (refusal: TlsRefusal) => void,
  ): void {
    const report = (reason: string) => onRefused?.({ reason });
    const refuse = (reason: string, alert?: number) => {
      report(reason);
      if (alert !== undefined && !socket.destroyed) socket.end(Buffer.from([21, 3, 3, 0, 2, 2, alert]));
      else socket.destroy();
    };
    const listener = this.#listenerFor(port, serverName);
    const shown = serverName || '(no server name)';
    // unrecognized_name (112): nothing is served for this name here.
    if (!listener) return refuse(`no TLS listener on port ${port} for ${shown}`, 112);
    const certificate =
      listener.certificates.find((c) => c.names.includes(serverName)) ??
      listener.certificates.find((c) => c.names.some((n) => certificateCovers(n, serverName))) ??
      listener.certificates[0];
    // handshake_failure (40): the listener has no usable certificate (missing, invalid: see the status).
    if (!certificate) return refuse(`listener ${listener.pattern} on port ${port} has no usable certificate for ${shown}`, 40);
    if (listener.verification && listener.verification.cas.length === 0)
      return refuse(`listener ${listener.pattern} on port ${port} has no client CA to verify with`, 40);
    let context: tls.SecureContext;
    try {
      context = this.#contextFor(listener, certificate);
    } catch {
      return refuse(`listener ${listener.pattern} on port ${port}: its certificate cannot be loaded`, 40);
    }
    const verification = listener.verification;
    const mode = verification?.mode;
    socket.unshift(hello);
    const secure = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: context,
      requestCert: mode !== undefined,
      // `require`: OpenSSL refuses a handshake without a certificate; whether one verifies is
      // decided below (client-verification.ts), once the handshake is done.
      rejectUnauthorized: mode === 'require',
      ALPNProtocols: ALPN,
    });
    secure.on('error', () => secure.destroy());
    secure.once('secure', () => {
      // What tls.Server does for its sockets, and HTTP/2 sessions wait for.
      (secure as unknown as { secureConnecting: boolean }).secureConnecting = false;
      const identity = clientIdentityOf(
        mode,
        verification ? verifyClientChain(secure, verification.cas, this.#now()) : undefined,
        verification?.forwardCertificate,
      );
      if (
        (mode === 'require' || mode === 'request') &&
        identity.verify !== 'SUCCESS' &&
        !(mode === 'request' && identity.verify === 'NONE')
      ) {
        // The TLSSocket owns the connection now: only it may end it.
        report(`client certificate refused on ${shown}: ${identity.verify}`);
        secure.destroy();
        return;
      }
      (secure as unknown as Record<symbol, ClientIdentity>)[IDENTITY] = identity;
      onSecure({ socket: secure, serverName });
    });
    // The ClientHello went back into the socket's buffer, which the TLSSocket reads at once;
    // resuming the socket here would hand those bytes to nobody.
  }

  #contextKey(listener: TlsListener, cert: CertificateEntry): string {
    return `${cert.info.sha256}|${cert.version}|${listener.verification?.caSha256 ?? ''}|${listener.minVersion}`;
  }

  #contextFor(listener: TlsListener, cert: CertificateEntry): tls.SecureContext {
    const key = this.#contextKey(listener, cert);
    const now = this.#now();
    const cached = this.#contexts.get(key);
    if (cached && now - cached.createdAt < this.#rotationMs) return cached.context;
    const context = tls.createSecureContext({
      cert: cert.certChainPem,
      key: cert.keyPem,
      minVersion: listener.minVersion,
      // Client certificates are checked in JavaScript: OpenSSL gets an empty trust store (not
      // the default roots), so it never tries a signature whose failure it would leave queued.
      ...(listener.verification ? { ca: [] } : {}),
      // Tickets of one context only: a session is never resumed under another certificate or CA.
      ticketKeys: randomBytes(48),
      sessionIdContext: createHash('sha256').update(key).digest('hex').slice(0, 32),
    });
    this.#contexts.set(key, { context, createdAt: now });
    return context;
  }

  /** How many SecureContexts are cached (one per certificate, client CA and version). */
  get contextCount(): number {
    return this.#contexts.size;
  }
}

/**
 * The client identity of each accepted TLS connection, on the socket itself: HTTP/2 requests
 * see their connection through a proxy object, which reads properties of the socket.
 */
const IDENTITY = Symbol('kupstream.clientIdentity');

/** The verified (or not) client certificate of a connection accepted by a FrontendTls. */
export function clientIdentityFor(socket: unknown): ClientIdentity | undefined {
  return socket !== null && typeof socket === 'object' ? (socket as Record<symbol, ClientIdentity | undefined>)[IDENTITY] : undefined;
}
