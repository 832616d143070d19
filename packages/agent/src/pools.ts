// Connection pools per (upstream, identity). The identity string carries the client
// certificate's Secret *and version*, the CA digest, SNI and verification, so a pooled
// connection is never reused under another identity — unlike https.Agent, whose pool
// key ignores `secureContext`. When the store changes, pools whose identity is no longer
// current are retired: idle connections close now, busy ones after their response.
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import type { CredentialStore, Upstream } from '@kupstream/core';
import { connectionInfo, createUpstreamDialer, sessionCacheFor, type DialOptions, type UpstreamDialer } from './dialer.js';
import { secureContextCacheFor } from './secure-context-cache.js';
import { classifyUpstreamError, UpstreamError } from './upstream-errors.js';
import { upstreamTarget, type Resolve } from './upstream-target.js';
import type { Timeouts } from './timeouts/defaults.js';

export interface PoolOptions {
  credentials: CredentialStore;
  resolve?: Resolve;
  timeouts: Timeouts;
  maxSocketsPerPool: number;
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

/** An http.Agent whose connections come from one dialer and that can be retired. */
class DialerAgent extends http.Agent {
  retired = false;
  constructor(
    readonly dialer: UpstreamDialer,
    readonly identity: string,
    options: http.AgentOptions,
    readonly dial: () => Promise<net.Socket>,
  ) {
    super(options);
  }

  // Asynchronous on purpose: the request is written only once the dialer confirmed the
  // connection (after the TLS 1.3 verdict on our certificate), never onto a doomed socket.
  override createConnection(_options: unknown, callback?: (err: Error | null, socket: Duplex) => void): undefined {
    this.dial().then(
      (socket) => callback?.(null, socket),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }

  override keepSocketAlive(socket: Duplex): boolean {
    if (this.retired) return false;
    return (super.keepSocketAlive as (s: Duplex) => boolean)(socket);
  }

  retire(): void {
    this.retired = true;
    for (const sockets of Object.values(this.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  }

  /** Sockets still serving a request. */
  get busy(): number {
    return Object.values(this.sockets).reduce((n, list) => n + (list?.length ?? 0), 0);
  }

  get idle(): number {
    return Object.values(this.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0);
  }
}

interface DialerEntry {
  serial: number;
  upstream: Upstream;
  json: string;
  dialer: UpstreamDialer;
}

interface H2Entry {
  session: Promise<http2.ClientHttp2Session>;
  dialer: UpstreamDialer;
  identity: string;
  settled?: http2.ClientHttp2Session;
}

export class UpstreamPools {
  readonly #options: PoolOptions;
  readonly #dialers = new Map<string, DialerEntry>();
  readonly #agents = new Map<string, DialerAgent>();
  readonly #retiredAgents = new Set<DialerAgent>();
  readonly #sessions = new Map<string, H2Entry>();
  #serial = 0;
  readonly #handshakes = new Map<string, { full: number; resumed: number }>();
  /** Open streams per HTTP/2 session: a session with one is an active connection. */
  readonly #streams = new WeakMap<http2.ClientHttp2Session, number>();
  readonly #onChange = () => this.#retireStale();

  constructor(options: PoolOptions) {
    this.#options = options;
    options.credentials.on('change', this.#onChange);
  }

  /** The dialer of an upstream; reused while the upstream's model is unchanged. */
  dialer(upstream: Upstream): UpstreamDialer {
    const current = this.#dialers.get(upstream.name);
    if (current?.upstream === upstream) return current.dialer;
    // A new model object with an equal upstream keeps its dialer, and so its pools.
    const json = JSON.stringify(upstream);
    if (current && current.json === json) {
      current.upstream = upstream;
      return current.dialer;
    }
    const { credentials, resolve, timeouts } = this.#options;
    const dialer = createUpstreamDialer(upstream, {
      credentials,
      ...(resolve ? { resolve } : {}),
      connectTimeout: timeouts.connect,
      handshakeTimeout: timeouts.handshake,
      postHandshakeTimeout: timeouts.postHandshake,
    });
    this.#dialers.set(upstream.name, { serial: ++this.#serial, upstream, json, dialer });
    this.#retireStale();
    return dialer;
  }

  /** Keep-alive HTTP/1.1 agent for the upstream's current identity (throws when fail-closed). */
  agent(upstream: Upstream): http.Agent {
    const dialer = this.dialer(upstream);
    const key = `${this.#dialers.get(upstream.name)?.serial ?? 0}#${dialer.identity()}`;
    let agent = this.#agents.get(key);
    if (!agent) {
      agent = new DialerAgent(dialer, key, { keepAlive: true, scheduling: 'lifo', maxSockets: this.#options.maxSocketsPerPool, timeout: this.#options.timeouts.idle }, () => this.#dial(dialer));
      this.#agents.set(key, agent);
    }
    return agent;
  }

  /** One HTTP/2 session per (upstream, identity), multiplexing every request. */
  http2Session(upstream: Upstream): Promise<http2.ClientHttp2Session> {
    const dialer = this.dialer(upstream);
    const key = `${this.#dialers.get(upstream.name)?.serial ?? 0}#${dialer.identity()}`;
    const existing = this.#sessions.get(key);
    if (existing && !(existing.settled && (existing.settled.closed || existing.settled.destroyed))) return existing.session;
    const entry: H2Entry = { dialer, identity: key, session: Promise.resolve(undefined as unknown as http2.ClientHttp2Session) };
    entry.session = this.#openSession(upstream, dialer).then(
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

  async #openSession(upstream: Upstream, dialer: UpstreamDialer): Promise<http2.ClientHttp2Session> {
    const socket = await this.#dial(dialer);
    const target = upstreamTarget(upstream);
    if (target.secure && (socket as tls.TLSSocket).alpnProtocol !== 'h2') {
      socket.destroy();
      throw new UpstreamError('protocol_error', `upstream did not negotiate h2 (ALPN ${String((socket as tls.TLSSocket).alpnProtocol)})`, { phase: 'tls', upstream: upstream.name });
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
    return this.#dial(this.dialer(upstream), options);
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
      return key === `${entry.serial}#${dialer.identity()}`;
    } catch {
      return false;
    }
  }

  #retireStale(): void {
    for (const [key, agent] of this.#agents) {
      if (this.#isCurrent(agent.dialer, key)) continue;
      this.#agents.delete(key);
      this.#retireAgent(agent);
    }
    for (const [key, entry] of this.#sessions) {
      if (this.#isCurrent(entry.dialer, key)) continue;
      this.#sessions.delete(key);
      // close(): no new streams; open ones finish, then the session ends.
      entry.session.then((s) => s.close(), () => undefined);
    }
  }

  #retireAgent(agent: DialerAgent): void {
    agent.retire();
    this.#retiredAgents.add(agent);
    for (const retired of this.#retiredAgents) if (retired.busy === 0) this.#retiredAgents.delete(retired);
  }

  /** Counts for inspection and tests. */
  stats(): { agents: number; retiredAgents: number; sessions: number } {
    return { agents: this.#agents.size, retiredAgents: [...this.#retiredAgents].filter((a) => a.busy > 0).length, sessions: this.#sessions.size };
  }

  /** Per-upstream connection and handshake counts, one entry per name given, in that order. */
  upstreamStats(names: Iterable<string>): UpstreamPoolStats[] {
    const out = new Map<string, UpstreamPoolStats>();
    for (const name of names) {
      const handshakes = this.#handshakes.get(name);
      out.set(name, { upstream: name, active: 0, idle: 0, handshakes: { full: handshakes?.full ?? 0, resumed: handshakes?.resumed ?? 0 } });
    }
    // Retired agents still finishing a response are connections of their upstream too.
    for (const agent of [...this.#agents.values(), ...this.#retiredAgents]) {
      const entry = out.get(agent.dialer.upstream.name);
      if (!entry) continue;
      entry.active += agent.busy;
      entry.idle += agent.retired ? 0 : agent.idle;
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
    return { tlsSessions: sessionCacheFor(this.#options.credentials).size, secureContexts: secureContextCacheFor(this.#options.credentials).size };
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
    for (const agent of this.#retiredAgents) agent.destroy();
    this.#retiredAgents.clear();
  }
}
