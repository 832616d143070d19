// Certificate parsing (X509Certificate, createPrivateKey, checkPrivateKey) is the most
// expensive part of a translation, and the same material comes back on every call of a
// long-lived host. This cache keeps the clock-independent inspections by content: key pairs
// by SHA-256 of certificate and key (so no private key is kept as a cache key), CA bundles
// (public) by their text. A changed Secret or ConfigMap is a different entry.
import { createHash } from 'node:crypto';
import {
  inspectCaBundle,
  inspectKeyPair,
  type CaBundleInspection,
  type CertificateInspector,
  type KeyPairInspection,
} from './certificates.js';

/** Two generations: what the current one has not used by the next sweep is dropped. */
class Generations<T> {
  #current = new Map<string, T>();
  #previous = new Map<string, T>();

  get(key: string, make: () => T): T {
    let value = this.#current.get(key) ?? this.#previous.get(key);
    if (value === undefined) value = make();
    this.#current.set(key, value);
    return value;
  }

  sweep(): void {
    this.#previous = this.#current;
    this.#current = new Map();
  }

  keys(): string[] {
    return [...new Set([...this.#current.keys(), ...this.#previous.keys()])];
  }
}

/**
 * An explicit, host-owned cache (translators keep no global state). `sweep()` ends a
 * generation: entries not used since the previous sweep are dropped, so material that left
 * the cluster does not accumulate.
 */
export class CertificateCache implements CertificateInspector {
  readonly #keyPairs = new Generations<KeyPairInspection>();
  readonly #caBundles = new Generations<CaBundleInspection>();

  keyPair(certChainPem: string, keyPem: string): KeyPairInspection {
    // The length delimits the two parts, so no other pair of texts gives the same digest input.
    const key = createHash('sha256').update(`${certChainPem.length}:${certChainPem}${keyPem}`).digest('base64');
    return this.#keyPairs.get(key, () => inspectKeyPair(certChainPem, keyPem));
  }

  caBundle(pem: string): CaBundleInspection {
    return this.#caBundles.get(pem, () => inspectCaBundle(pem));
  }

  /** Drops every entry not used since the previous sweep. */
  sweep(): void {
    this.#keyPairs.sweep();
    this.#caBundles.sweep();
  }

  /** Number of entries kept. */
  get size(): number {
    return this.#keyPairs.keys().length + this.#caBundles.keys().length;
  }
}
