// Handshake truth: dials each TLS upstream of a model with its real identity and trust (the
// same dialer as traffic, never a resumed session, so the server sees the certificate and
// the chain is checked) and records the verdict: ok, or the typed failure code, plus the
// expiry of the client certificate presented, of the CA trusted and of the server's leaf.
// A prober repeats this every interval and says when a verdict changes.
import { X509Certificate } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type tls from 'node:tls';
import type { CredentialStore, TranslationModel, Upstream } from '@kupstream/core';
import { parseCertificates } from '@kupstream/core/building-blocks';
import { createUpstreamDialer } from './dialer.js';
import { classifyUpstreamError, type UpstreamErrorCode } from './upstream-errors.js';
import type { UpstreamDenyList } from './upstream-deny-list.js';
import type { Resolve } from './upstream-target.js';

export interface HandshakeVerdict {
  /** `Upstream.name` */
  upstream: string;
  ok: boolean;
  /** The typed failure, when not ok. */
  code?: UpstreamErrorCode;
  message?: string;
  /** ISO time of the probe. */
  at: string;
  tlsVersion?: string;
  alpnProtocol?: string;
  /** Expiry (ISO) of the client certificate presented, the earliest CA of the bundle trusted, the server's leaf seen. */
  expiry: { client?: string; ca?: string; server?: string };
}

export interface HandshakeProbeOptions {
  credentials: CredentialStore;
  resolve?: Resolve;
  /** The proxy's deny list: a probe never dials what traffic may not. */
  deny?: UpstreamDenyList;
  /** Connect plus handshake budget, ms. Default the dialer's. */
  timeoutMs?: number;
  now?: () => Date;
}

/** True for upstreams a probe dials: TLS ones the model does not already refuse. */
export function isProbed(upstream: Upstream): boolean {
  return upstream.tls !== undefined && upstream.unavailable === undefined && /^(https|tls):/.test(upstream.url);
}

/** One full handshake with the upstream's identity and trust; never throws. */
export async function probeHandshake(upstream: Upstream, options: HandshakeProbeOptions): Promise<HandshakeVerdict> {
  const now = options.now ?? (() => new Date());
  const expiry = materialExpiry(upstream, options.credentials);
  const at = now().toISOString();
  const dialer = createUpstreamDialer(upstream, {
    credentials: options.credentials,
    ...(options.resolve ? { resolve: options.resolve } : {}),
    ...(options.deny ? { deny: options.deny } : {}),
    // A resumed session re-checks nothing and presents nothing: always a full handshake.
    sessionCache: false,
    ...(options.timeoutMs !== undefined ? { connectTimeout: options.timeoutMs, handshakeTimeout: options.timeoutMs } : {}),
  });
  try {
    const socket = (await dialer.connect()) as tls.TLSSocket;
    const leaf = socket.getPeerCertificate?.();
    const verdict: HandshakeVerdict = {
      upstream: upstream.name,
      ok: true,
      at,
      ...(socket.getProtocol?.() ? { tlsVersion: socket.getProtocol() ?? undefined } : {}),
      ...(typeof socket.alpnProtocol === 'string' ? { alpnProtocol: socket.alpnProtocol } : {}),
      expiry: { ...expiry, ...(leaf?.valid_to ? { server: iso(leaf.valid_to) } : {}) },
    };
    socket.destroy();
    return verdict;
  } catch (err) {
    const typed = classifyUpstreamError(err, { phase: 'config', upstream: upstream.name });
    return { upstream: upstream.name, ok: false, code: typed.code, message: typed.message, at, expiry };
  }
}

function materialExpiry(upstream: Upstream, credentials: CredentialStore): HandshakeVerdict['expiry'] {
  const out: HandshakeVerdict['expiry'] = {};
  const secret = upstream.tls?.clientCertificate?.secret;
  const client = secret ? credentials.get(secret) : undefined;
  if (client) {
    try {
      out.client = iso(new X509Certificate(client.certChainPem).validTo);
    } catch {
      // Unparseable material fails the probe itself (client_certificate_invalid).
    }
  }
  const verification = upstream.tls?.verification;
  const bundle = verification?.mode === 'ca' ? credentials.getCaBundle(verification.caSha256) : undefined;
  if (bundle) {
    const times = parseCertificates(bundle)
      .certificates.map((c) => Date.parse(c.validTo))
      .filter((t) => !Number.isNaN(t));
    if (times.length > 0) out.ca = new Date(Math.min(...times)).toISOString();
  }
  return out;
}

function iso(opensslTime: string): string {
  const ms = Date.parse(opensslTime);
  return Number.isNaN(ms) ? opensslTime : new Date(ms).toISOString();
}

export interface HandshakeProberOptions extends HandshakeProbeOptions {
  /** Time between rounds, ms. */
  intervalMs: number;
}

export interface HandshakeProberEvents {
  /** After each round in which any verdict changed (ok, code) or an upstream came or went. */
  change: [ReadonlyMap<string, HandshakeVerdict>];
}

/**
 * Probes every TLS upstream of the current model each interval (one round at a time) and
 * keeps the latest verdict per upstream. `update` swaps the model and probes at once.
 */
export class HandshakeProber extends EventEmitter<HandshakeProberEvents> {
  readonly #options: HandshakeProberOptions;
  #upstreams: Upstream[] = [];
  readonly #verdicts = new Map<string, HandshakeVerdict>();
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(options: HandshakeProberOptions) {
    super();
    if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0)
      throw new RangeError(`intervalMs must be a positive number of milliseconds, got ${String(options.intervalMs)}`);
    this.#options = options;
  }

  get verdicts(): ReadonlyMap<string, HandshakeVerdict> {
    return this.#verdicts;
  }

  /** The model to probe from now on; a round starts at once (after one in progress). */
  update(model: Pick<TranslationModel, 'upstreams'>): void {
    this.#upstreams = model.upstreams.filter(isProbed);
    this.#schedule(0);
  }

  /** Runs one round now (after one in progress) and resolves when it is done. */
  async probeNow(): Promise<void> {
    while (this.#round) await this.#round;
    await this.#runRound();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    if (this.#round) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#runRound(), ms);
    this.#timer.unref?.();
  }

  async #runRound(): Promise<void> {
    if (this.#closed) return;
    const upstreams = this.#upstreams;
    const done = (async () => {
      const verdicts = await Promise.all(upstreams.map((u) => probeHandshake(u, this.#options)));
      let changed = false;
      const names = new Set(upstreams.map((u) => u.name));
      for (const name of [...this.#verdicts.keys()])
        if (!names.has(name)) {
          this.#verdicts.delete(name);
          changed = true;
        }
      for (const verdict of verdicts) {
        const before = this.#verdicts.get(verdict.upstream);
        if (!before || before.ok !== verdict.ok || before.code !== verdict.code) changed = true;
        this.#verdicts.set(verdict.upstream, verdict);
      }
      if (changed && !this.#closed) this.emit('change', this.#verdicts);
    })();
    this.#round = done;
    try {
      await done;
    } finally {
      this.#round = undefined;
      const again = this.#again;
      this.#again = false;
      this.#schedule(again ? 0 : this.#options.intervalMs);
    }
  }
}
