// Connection pools per (upstream, identity, endpoint). The identity string carries the client
// certificate's Secret *and version*, the CA digest, SNI and verification, so a pooled
// connection is never reused under another identity — unlike https.Agent, whose pool
// key ignores `secureContext`. When the store changes, pools whose identity is no longer
// current are retired: idle connections close now, busy ones after their response.
// HTTP/1.1 pools are undici Pools whose connections come from the dialer. With an
// EndpointSlice known, each endpoint address has its own pools (and HTTP/2 session); an
// endpoint that leaves or stops being ready has its pools retired the same way.
import http2 from 'node:http2';
import type net from 'node:net';
import type tls from 'node:tls';
import type { CredentialStore, Upstream } from '@kupstream/core';
import type { Dispatcher } from 'undici';
import { connectionInfo, createUpstreamDialer, sessionCacheFor, type DialOptions, type UpstreamDialer } from './dialer.js';
import { Http1Forwarding, type ConnectionUse } from './http1-forwarding.js';
import { Client, Pool } from './node-internals.js';
import { secureContextCacheFor } from './secure-context-cache.js';
import { classifyUpstreamError, UpstreamError } from './upstream-errors.js';
import { upstreamTarget, type Resolve } from './upstream-target.js';
import type { Timeouts } from './timeouts/defaults.js';
import type { UpstreamDenyList } from './upstream-deny-list.js';
import type { EndpointAddress } from './endpoints/upstream-endpoints.js';

export interface PoolOptions {
  credentials: CredentialStore;
  resolve?: Resolve;
  timeouts: Timeouts;
  maxSocketsPerPool: number;
  deny?: UpstreamDenyList;
  /** The endpoint for a connection whose caller chose none (tunnels, mirrors); absent: the upstream's host. */
  chooseEndpoint?: (upstream: Upstream) => EndpointAddress | undefined;
}

/** Connection counts of one upstream's pools, the shape the admin server's `PoolStats` reads. */
export interface UpstreamPoolStats {
  /** `Upstream.name` */
  upstream: string;
  /** Pooled connections carrying a request now (an HTTP/2 session with an open stream counts once). */
  active: number;
  /** Pooled connections kept alive, waiting for a request. */
  idle: number;
  /** TLS handshakes completed since the upstream entered the model: full, and resumed from a cached session. */
  handshakes: { full: number; resumed: number };
}

/** An undici Client that counts the requests each of its connections carried. */
class DialedClient extends Client {
  constructor(
    origin: URL,
    options: Client.Options,
    readonly use: ConnectionUse,
  ) {
    super(origin, options);
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (handler instanceof Http1Forwarding) handler.connection = this.use;
    return super.dispatch(options, handler);
  }
}

/** An undici Pool whose connections come from one dialer and that can be retired. */
class DialerPool {
  retired = false;
  readonly pool: Pool;

  constructor(
    readonly dialer: UpstreamDialer,
    /** The endpoint's key, or '' for the upstream's host. */
    readonly endpoint: string,
    options: { connections: number; idle: number },
    dial: () => Promise<net.Socket>,
  ) {
    const target = upstreamTarget(dialer.upstream);
    // Plain http: the dialer already did the TLS. The Host header is the request's own.
    const origin = `http://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
    this.pool = new Pool(origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: options.idle,
      keepAliveMaxTimeout: options.idle,
      // The proxy's own response deadline applies; bodies may pause as long as they like (as before).
      headersTimeout: 0,
      bodyTimeout: 0,
      factory: (url, clientOptions) => {
        const use: ConnectionUse = { written: 0 };
        // Called back only once the dialer confirmed the connection (after the TLS 1.3
        // verdict on our certificate), so no request goes onto a doomed socket.
        const connect = (_o: unknown, callback: (...args: [null, net.Socket] | [Error, null]) => void) => {
          dial().then(
            (socket) => {
              use.written = 0;
              callback(null, socket);
            },
            (err: Error) => callback(err, null),
          );
        };
        return new DialedClient(url, { ...(clientOptions as Client.Options), connect: connect as Client.Options['connect'] }, use);
      },
    });
  }

  retire(): void {
    this.retired = true;
    // close(): idle connections go at once, busy ones after their requests.
    this.pool.close().catch(() => undefined);
  }

  destroy(): void {
    this.pool.destroy().catch(() => undefined);
  }

  /** Connections carrying a request. */
  get busy(): number {
    const stats = this.pool.stats;
    return stats.connected - stats.free;
  }

  get idle(): number {
    return this.pool.stats.free;
  }
}

interface DialerEntry {
  serial: number;
  upstream: Upstream;
  json: string;
  dialer: UpstreamDialer;
  /** The pool of the last identity and endpoint asked for, skipping the key and map per request. */
  last?: { identity: string; endpoint: string; pool: DialerPool };
}

interface H2Entry {
  session: Promise<http2.ClientHttp2Session>;
  dialer: UpstreamDialer;
  identity: string;
  endpoint: string;
  settled?: http2.ClientHttp2Session;
}

/** What an HTTP/1.1 connection offers in ALPN: never `h2`, which it could not speak. */
const HTTP1_ONLY: DialOptions = { alpn: ['http/1.1'] };

/**
 * Thrown by `http2Session` when a TLS upstream that was offered `h2,http/1.1` chose HTTP/1.1:
 * the request goes the HTTP/1.1 way instead (and so do the next ones, `usesHttp2`).
 */
export class AlpnFallback extends Error {
  override readonly name = 'AlpnFallback';
}

export class UpstreamPools {
  readonly #options: PoolOptions;
  readonly #dialers = new Map<string, DialerEntry>();
  readonly #pools = new Map<string, DialerPool>();
  readonly #retiredPools = new Set<DialerPool>();
  readonly #sessions = new Map<string, H2Entry>();
  #serial = 0;
  readonly #handshakes = new Map<string, { full: number; resumed: number }>();
  /** Open streams per HTTP/2 session: a session with one is an active connection. */
  readonly #streams = new WeakMap<http2.ClientHttp2Session, number>();
  readonly #onChange = () => this.#retireStale();
  /** Dialer entries whose upstream answered `http/1.1` to an offer of `h2,http/1.1`. */
  readonly #chose1 = new WeakSet<DialerEntry>();

  constructor(options: PoolOptions) {
    this.#options = options;
    options.credentials.on('change', this.#onChange);
  }

  /** The dialer of an upstream; reused while the upstream's model is unchanged. */
  dialer(upstream: Upstream): UpstreamDialer {
    return this.#entry(upstream).dialer;
  }

  #entry(upstream: Upstream): DialerEntry {
    const current = this.#dialers.get(upstream.name);
    if (current?.upstream === upstream) return current;
    // A new model object with an equal upstream keeps its dialer, and so its pools.
    const json = JSON.stringify(upstream);
    if (current && current.json === json) {
      current.upstream = upstream;
      return current;
    }
    const { credentials, resolve, timeouts, deny } = this.#options;
    const dialer = createUpstreamDialer(upstream, {
      credentials,
      ...(resolve ? { resolve } : {}),
      ...(deny ? { deny } : {}),
      connectTimeout: timeouts.connect,
      handshakeTimeout: timeouts.handshake,
      postHandshakeTimeout: timeouts.postHandshake,
    });
    const entry: DialerEntry = { serial: ++this.#serial, upstream, json, dialer };
    this.#dialers.set(upstream.name, entry);
    this.#retireStale();
    return entry;
  }

  /**
   * Whether a request goes over HTTP/2: cleartext as the model says (prior-knowledge h2c);
   * TLS when `h2` is offered in ALPN, unless the upstream already chose `http/1.1` from an
   * offer of both (ALPN fallback).
   */
  usesHttp2(upstream: Upstream): boolean {
    const alpn = upstream.tls?.alpn;
    if (!alpn || alpn.length === 0 || !upstream.url.startsWith('https:')) return upstream.protocol === 'http2';
    if (!alpn.includes('h2')) return false;
    return !this.#chose1.has(this.#entry(upstream));
  }

  /** Keep-alive HTTP/1.1 pool for the upstream's current identity and the endpoint (throws when fail-closed). */
  http1(upstream: Upstream, endpoint?: EndpointAddress): Dispatcher {
    const entry = this.#entry(upstream);
    const { dialer } = entry;
    const identity = dialer.identity();
    const at = endpoint ?? this.#options.chooseEndpoint?.(upstream);
    const endpointKey = at?.key ?? '';
    // A retired pool is never handed out again, even for an identity that came back.
    if (entry.last && entry.last.identity === identity && entry.last.endpoint === endpointKey && !entry.last.pool.retired)
      return entry.last.pool.pool;
    const key = `${entry.serial}#${identity}#${endpointKey}`;
    let pool = this.#pools.get(key);
    if (!pool) {
      const dialOptions: DialOptions = at ? { ...HTTP1_ONLY, endpoint: at } : HTTP1_ONLY;
      pool = new DialerPool(dialer, endpointKey, { connections: this.#options.maxSocketsPerPool, idle: this.#options.timeouts.idle }, () =>
        this.#dial(dialer, dialOptions),
      );
      this.#pools.set(key, pool);
    }
    entry.last = { identity, endpoint: endpointKey, pool };
    return pool.pool;
  }

  /** One HTTP/2 session per (upstream, identity, endpoint), multiplexing every request. */
  http2Session(upstream: Upstream, endpoint?: EndpointAddress): Promise<http2.ClientHttp2Session> {
    const dialerEntry = this.#entry(upstream);
    const { dialer } = dialerEntry;
    const at = endpoint ?? this.#options.chooseEndpoint?.(upstream);
    const endpointKey = at?.key ?? '';
    const key = `${dialerEntry.serial}#${dialer.identity()}#${endpointKey}`;
    const existing = this.#sessions.get(key);
    if (existing && !(existing.settled && (existing.settled.closed || existing.settled.destroyed))) return existing.session;
    const entry: H2Entry = {
      dialer,
      identity: key,
      endpoint: endpointKey,
      session: Promise.resolve(undefined as unknown as http2.ClientHttp2Session),
    };
    entry.session = this.#openSession(upstream, dialerEntry, at).then(
      (session) => {
        entry.settled = session;
        session.once('close', () => {
          if (this.#sessions.get(key) === entry) this.#sessions.delete(key);
        });
        return session;
      },
      (err: Error) => {
        if (this.#sessions.get(key) === entry) this.#sessions.delete(key);
        throw err;
      },
    );
    this.#sessions.set(key, entry);
    return entry.session;
  }

  /** Dials and counts the TLS handshake as full or resumed. */
  async #dial(dialer: UpstreamDialer, options?: DialOptions): Promise<net.Socket> {
    const socket = await dialer.connect(options);
    const info = connectionInfo(socket);
    if (info?.tlsVersion) {
      const name = dialer.upstream.name;
      let counts = this.#handshakes.get(name);
      if (!counts) this.#handshakes.set(name, (counts = { full: 0, resumed: 0 }));
      if (info.sessionReused) counts.resumed++;
      else counts.full++;
    }
    return socket;
  }

  /** Counts a stream on a session until it closes (for `active`). */
  trackStream(session: http2.ClientHttp2Session, stream: http2.ClientHttp2Stream): void {
    this.#streams.set(session, (this.#streams.get(session) ?? 0) + 1);
    stream.once('close', () => this.#streams.set(session, (this.#streams.get(session) ?? 1) - 1));
  }

  async #openSession(upstream: Upstream, entry: DialerEntry, endpoint: EndpointAddress | undefined): Promise<http2.ClientHttp2Session> {
    const socket = await this.#dial(entry.dialer, endpoint ? { endpoint } : undefined);
    const target = upstreamTarget(upstream);
    const chosen = (socket as tls.TLSSocket).alpnProtocol;
    if (target.secure && chosen !== 'h2') {
      socket.destroy();
      if (chosen === 'http/1.1' && upstream.tls?.alpn.includes('http/1.1')) {
        this.#chose1.add(entry);
        throw new AlpnFallback(`upstream ${upstream.name} chose http/1.1`);
      }
      throw new UpstreamError('protocol_error', `upstream did not negotiate h2 (ALPN ${String((socket as tls.TLSSocket).alpnProtocol)})`, {
        phase: 'tls',
        upstream: upstream.name,
      });
    }
    const authority = `${target.secure ? 'https' : 'http'}://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
    const session = http2.connect(authority, { createConnection: () => socket });
    const context = { phase: 'request' as const, upstream: upstream.name };
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve());
      session.once('error', (err) => reject(classifyUpstreamError(err, context)));
    });
    // After connect, errors end the session; the streams report their own failures.
    session.on('error', () => undefined);
    session.setTimeout(this.#options.timeouts.idle, () => session.close());
    return session;
  }

  /** A fresh, unpooled connection (PROXY protocol upstreams, Upgrade tunnels, L4). */
  connect(upstream: Upstream, options?: DialOptions): Promise<net.Socket> {
    // These connections carry HTTP/1.1 (Upgrade, PROXY protocol) or bytes (L4, no ALPN).
    const endpoint = options?.endpoint ?? this.#options.chooseEndpoint?.(upstream);
    return this.#dial(this.dialer(upstream), { ...HTTP1_ONLY, ...options, ...(endpoint ? { endpoint } : {}) });
  }

  /**
   * Retires the pools and sessions of an upstream's endpoints that are not in `live`
   * (gone, terminating or not ready): idle connections close now, busy ones after their response.
   */
  retireEndpoints(upstream: string, live: ReadonlySet<string> | undefined): void {
    const stale = (dialer: UpstreamDialer, endpoint: string) =>
      dialer.upstream.name === upstream && endpoint !== '' && !(live?.has(endpoint) ?? false);
    for (const [key, pool] of this.#pools) {
      if (!stale(pool.dialer, pool.endpoint)) continue;
      this.#pools.delete(key);
      this.#retirePool(pool);
    }
    for (const [key, entry] of this.#sessions) {
      if (!stale(entry.dialer, entry.endpoint)) continue;
      this.#sessions.delete(key);
      entry.session.then(
        (s) => s.close(),
        () => undefined,
      );
    }
  }

  /** Drops dialers of upstreams no longer in the model and retires their pools. */
  sync(upstreams: Iterable<Upstream>): void {
    const names = new Set([...upstreams].map((u) => u.name));
    for (const name of [...this.#dialers.keys()]) if (!names.has(name)) this.#dialers.delete(name);
    // Counters of upstreams that left the model go too, so the map stays as small as the model.
    for (const name of [...this.#handshakes.keys()]) if (!names.has(name)) this.#handshakes.delete(name);
    this.#retireStale();
  }

  #isCurrent(dialer: UpstreamDialer, key: string): boolean {
    const entry = this.#dialers.get(dialer.upstream.name);
    if (!entry || entry.dialer !== dialer) return false;
    try {
      return key.startsWith(`${entry.serial}#${dialer.identity()}#`);
    } catch {
      return false;
    }
  }

  #retireStale(): void {
    for (const [key, pool] of this.#pools) {
      if (this.#isCurrent(pool.dialer, key)) continue;
      this.#pools.delete(key);
      this.#retirePool(pool);
    }
    for (const [key, entry] of this.#sessions) {
      if (this.#isCurrent(entry.dialer, key)) continue;
      this.#sessions.delete(key);
      // close(): no new streams; open ones finish, then the session ends.
      entry.session.then(
        (s) => s.close(),
        () => undefined,
      );
    }
  }

  #retirePool(pool: DialerPool): void {
    pool.retire();
    this.#retiredPools.add(pool);
    for (const retired of this.#retiredPools) if (retired.busy === 0) this.#retiredPools.delete(retired);
  }

  /** Counts for inspection and tests (`agents`: the HTTP/1.1 pools, named before undici). */
  stats(): { agents: number; retiredAgents: number; sessions: number } {
    return {
      agents: this.#pools.size,
      retiredAgents: [...this.#retiredPools].filter((a) => a.busy > 0).length,
      sessions: this.#sessions.size,
    };
  }

  /** Per-upstream connection and handshake counts, one entry per name given, in that order. */
  upstreamStats(names: Iterable<string>): UpstreamPoolStats[] {
    const out = new Map<string, UpstreamPoolStats>();
    for (const name of names) {
      const handshakes = this.#handshakes.get(name);
      out.set(name, { upstream: name, active: 0, idle: 0, handshakes: { full: handshakes?.full ?? 0, resumed: handshakes?.resumed ?? 0 } });
    }
    // Retired pools still finishing a response are connections of their upstream too.
    for (const pool of [...this.#pools.values(), ...this.#retiredPools]) {
      const entry = out.get(pool.dialer.upstream.name);
      if (!entry) continue;
      entry.active += pool.busy;
      entry.idle += pool.retired ? 0 : pool.idle;
    }
    for (const h2 of this.#sessions.values()) {
      const session = h2.settled;
      const entry = out.get(h2.dialer.upstream.name);
      if (!entry || !session || session.closed || session.destroyed) continue;
      if ((this.#streams.get(session) ?? 0) > 0) entry.active++;
      else entry.idle++;
    }
    return [...out.values()];
  }

  /** Cached TLS sessions and SecureContexts of the store these pools dial with. */
  cacheStats(): { tlsSessions: number; secureContexts: number } {
    return {
      tlsSessions: sessionCacheFor(this.#options.credentials).size,
      secureContexts: secureContextCacheFor(this.#options.credentials).size,
    };
  }

  /** Retires everything: idle connections close now, busy ones after their response. */
  close(): void {
    this.#options.credentials.off('change', this.#onChange);
    this.#dialers.clear();
    this.#retireStale();
  }

  /** Destroys every connection at once (after draining). */
  destroy(): void {
    this.close();
    for (const pool of this.#retiredPools) pool.destroy();
    this.#retiredPools.clear();
  }
}
