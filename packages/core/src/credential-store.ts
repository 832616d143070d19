// Resolved key material, kept beside the JSON model and never inside it.
// Translators fill one per result; the agent reads it (and hosts may feed it directly
// to rotate certificates without re-translating).
import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';

export interface SecretKey {
  namespace: string;
  name: string;
}

/** PEM material of a client identity: leaf first, then intermediates; and its private key. */
export interface ClientCredential {
  certChainPem: string;
  keyPem: string;
}

export interface StoredClientCredential extends ClientCredential {
  /** `namespace/name` of the Secret. */
  readonly key: string;
  /** Increments whenever the material of this key changes. */
  readonly version: number;
}

export type CredentialChange =
  | { kind: 'client'; type: 'set' | 'delete'; key: string; version: number }
  | { kind: 'ca'; type: 'set' | 'delete'; key: string; version: number };

export interface CredentialStoreEvents {
  change: [CredentialChange];
}

export function secretKeyString(ref: SecretKey): string {
  return `${ref.namespace}/${ref.name}`;
}

/**
 * Client identities by Secret reference and CA bundles by SHA-256 digest.
 * Emits `change` on every effective set or delete; setting identical material is a no-op.
 */
export class CredentialStore extends EventEmitter<CredentialStoreEvents> {
  readonly #clients = new Map<string, StoredClientCredential>();
  readonly #cas = new Map<string, { pem: string; version: number }>();
  #versions = 0;

  set(ref: SecretKey, material: ClientCredential): StoredClientCredential {
    const key = secretKeyString(ref);
    const current = this.#clients.get(key);
    if (current && current.certChainPem === material.certChainPem && current.keyPem === material.keyPem) return current;
    const stored: StoredClientCredential = Object.freeze({
      key,
      version: ++this.#versions,
      certChainPem: material.certChainPem,
      keyPem: material.keyPem,
    });
    this.#clients.set(key, stored);
    this.emit('change', { kind: 'client', type: 'set', key, version: stored.version });
    return stored;
  }

  get(ref: SecretKey): StoredClientCredential | undefined {
    return this.#clients.get(secretKeyString(ref));
  }

  delete(ref: SecretKey): boolean {
    const key = secretKeyString(ref);
    if (!this.#clients.delete(key)) return false;
    this.emit('change', { kind: 'client', type: 'delete', key, version: ++this.#versions });
    return true;
  }

  /** Stores a CA bundle under its digest (as computed by `caBundleDigest`). */
  setCaBundle(sha256: string, pem: string): void {
    const current = this.#cas.get(sha256);
    if (current && current.pem === pem) return;
    const version = ++this.#versions;
    this.#cas.set(sha256, { pem, version });
    this.emit('change', { kind: 'ca', type: 'set', key: sha256, version });
  }

  getCaBundle(sha256: string): string | undefined {
    return this.#cas.get(sha256)?.pem;
  }

  deleteCaBundle(sha256: string): boolean {
    if (!this.#cas.delete(sha256)) return false;
    this.emit('change', { kind: 'ca', type: 'delete', key: sha256, version: ++this.#versions });
    return true;
  }

  /** Keys and versions only, for inspection; never material. */
  summary(): { clients: { key: string; version: number }[]; caBundles: string[] } {
    return {
      clients: [...this.#clients.values()].map(({ key, version }) => ({ key, version })).sort((a, b) => (a.key < b.key ? -1 : 1)),
      caBundles: [...this.#cas.keys()].sort(),
    };
  }

  /** Copies every entry of `other` into this store (used by mergeResults and hosts that swap models). */
  absorb(other: CredentialStore): this {
    for (const entry of other.#clients.values()) {
      const [namespace = '', name = ''] = splitKey(entry.key);
      this.set({ namespace, name }, entry);
    }
    for (const [digest, { pem }] of other.#cas) this.setCaBundle(digest, pem);
    return this;
  }

  /**
   * Makes this store hold exactly what `next` holds: changed entries get a new version,
   * vanished ones are deleted. Unchanged ones keep their version, so live connections survive.
   */
  replaceWith(next: CredentialStore): this {
    for (const key of [...this.#clients.keys()]) {
      if (!next.#clients.has(key)) {
        const [namespace = '', name = ''] = splitKey(key);
        this.delete({ namespace, name });
      }
    }
    for (const digest of [...this.#cas.keys()]) if (!next.#cas.has(digest)) this.deleteCaBundle(digest);
    return this.absorb(next);
  }

  toJSON(): unknown {
    return this.summary();
  }

  [inspect.custom](): string {
    const { clients, caBundles } = this.summary();
    return `CredentialStore { clients: [${clients.map((c) => `${c.key}@${c.version}`).join(', ')}], caBundles: ${caBundles.length} }`;
  }
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}
