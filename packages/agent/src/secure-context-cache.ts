// One tls.SecureContext per (client identity + version, CA bundle, versions, ciphers),
// built once and shared by every dialer of a CredentialStore. Building a context parses
// PEM and makes an SSL_CTX, which is slow and lingers until GC (nodejs/node#25921), so
// per-connection contexts are never made. A rotated identity gets a new entry (its
// version is in the key); the old one is dropped when the store says it changed.
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { CredentialChange, CredentialStore, StoredClientCredential, TlsVersion } from '@kupstream/core';
import { checkCaBundle, checkKeyPair } from '@kupstream/core/building-blocks';
import { UpstreamError } from './upstream-errors.js';

export interface ContextRequest {
  client?: StoredClientCredential;
  /** Hex SHA-256 of the CA bundle (`verification.caSha256`); absent: Node's root store. */
  caSha256?: string;
  minVersion: TlsVersion;
  /** Absent: TLS 1.3. */
  maxVersion?: TlsVersion;
  /** OpenSSL cipher list; absent: Node's default. */
  ciphers?: string;
  upstream?: string;
}

/** The part of a context's key that is not identity or trust: versions and ciphers. */
export function contextParameters(request: Pick<ContextRequest, 'minVersion' | 'maxVersion' | 'ciphers'>): string {
  return `${request.minVersion}-${request.maxVersion ?? 'TLSv1.3'}${request.ciphers ? `|ciphers:${request.ciphers}` : ''}`;
}

export interface ContextEntry {
  context: tls.SecureContext;
  /** `namespace/name@version` of the client identity, or `anonymous`. */
  identity: string;
  /** Colon-separated SHA-256 of the client leaf, when there is one. */
  clientSha256?: string;
  /** Cache key: equal keys mean interchangeable connections. */
  key: string;
}

interface StoredEntry extends ContextEntry {
  clientKey?: string;
  caSha256?: string;
}

export class SecureContextCache {
  readonly #store: CredentialStore;
  readonly #now: () => Date;
  readonly #entries = new Map<string, StoredEntry>();

  constructor(store: CredentialStore, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#now = now;
    store.on('change', (change) => this.#prune(change));
  }

  get size(): number {
    return this.#entries.size;
  }

  get(request: ContextRequest): ContextEntry {
    const identity = request.client ? `${request.client.key}@${request.client.version}` : 'anonymous';
    const key = `${identity}|ca:${request.caSha256 ?? 'default'}|${contextParameters(request)}`;
    const cached = this.#entries.get(key);
    if (cached) return cached;
    const entry = this.#build(request, identity, key);
    this.#entries.set(key, entry);
    return entry;
  }

  #build(request: ContextRequest, identity: string, key: string): StoredEntry {
    const options: tls.SecureContextOptions = {
      minVersion: request.minVersion,
      ...(request.maxVersion ? { maxVersion: request.maxVersion } : {}),
      ...(request.ciphers ? { ciphers: request.ciphers } : {}),
    };
    const entry: Partial<StoredEntry> = { identity, key };
    const details = { phase: 'config' as const, ...(request.upstream ? { upstream: request.upstream } : {}), identity };
    if (request.client) {
      // The store may hold material newer than the translation that checked it (rotation),
      // so check again before it is ever offered to a server.
      const check = checkKeyPair(request.client.certChainPem, request.client.keyPem, this.#now(), 'client');
      const fatal = check.problems.filter((p) => p.fatal);
      if (!check.usable) {
        throw new UpstreamError(
          'client_certificate_invalid',
          `client certificate ${request.client.key} cannot be used: ${fatal.map((p) => p.code).join(', ')}`,
          details,
        );
      }
      options.cert = request.client.certChainPem;
      options.key = request.client.keyPem;
      entry.clientKey = request.client.key;
      entry.clientSha256 = new X509Certificate(request.client.certChainPem).fingerprint256;
    }
    if (request.caSha256 !== undefined) {
      const pem = this.#store.getCaBundle(request.caSha256);
      if (pem === undefined)
        throw new UpstreamError('ca_bundle_missing', `CA bundle ${request.caSha256.slice(0, 16)}… is not in the credential store`, details);
      // Node accepts a garbage `ca` silently and fails every handshake later: parse it first.
      // Expired CAs are left out here too: a bundle translated earlier may have aged since.
      const bundle = checkCaBundle(pem, this.#now());
      if (!bundle.pem) {
        const fatal = bundle.problems.find((p) => p.fatal);
        throw new UpstreamError(
          'ca_bundle_missing',
          `CA bundle ${request.caSha256.slice(0, 16)}… ${fatal?.message ?? 'holds no certificate'}`,
          details,
        );
      }
      options.ca = bundle.pem;
      entry.caSha256 = request.caSha256;
    }
    try {
      entry.context = tls.createSecureContext(options);
    } catch (err) {
      // OpenSSL's message names the failing routine, never the key; keep only the code.
      const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'unknown';
      throw new UpstreamError('client_certificate_invalid', `TLS material for ${identity} does not load`, { ...details, cause: code });
    }
    return entry as StoredEntry;
  }

  #prune(change: CredentialChange): void {
    // Keep an entry already built for the new version (another listener may have dialed first).
    const current = change.type === 'set' && change.kind === 'client' ? `${change.key}@${change.version}` : undefined;
    for (const [key, entry] of this.#entries) {
      const affected = change.kind === 'client' ? entry.clientKey === change.key : entry.caSha256 === change.key;
      if (affected && entry.identity !== current) this.#entries.delete(key);
    }
  }
}

const shared = new WeakMap<CredentialStore, SecureContextCache>();

/** The context cache of a store, made on first use and shared by all its dialers. */
export function secureContextCacheFor(store: CredentialStore): SecureContextCache {
  let cache = shared.get(store);
  if (!cache) {
    cache = new SecureContextCache(store);
    shared.set(store, cache);
  }
  return cache;
}
