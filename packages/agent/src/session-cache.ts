// TLS sessions for resumption. On a resumed handshake Node neither re-runs
// checkServerIdentity nor sends the client certificate: the session carries both
// authentications. So the key holds everything that shaped them — target, SNI,
// verification, CA digest and the client identity with its version — and a session
// is never offered under another identity. LRU-bounded like undici's cache.
import { DEFAULT_MAX_CACHED_SESSIONS } from './timeouts/defaults.js';

export interface SessionKeyParts {
  host: string;
  port: number;
  /** SNI sent, or '' for none (IP literal). */
  servername: string;
  /** Verification mode plus the names checked, e.g. `ca:api.internal` */
  verification: string;
  /** Hex digest of the CA bundle, or `default` for Node's root store. */
  caSha256: string;
  /** `namespace/name@version`, or `anonymous`. */
  identity: string;
  /** SHA-256 of the client leaf, or ''. */
  clientSha256: string;
  /** Versions and ciphers asked for (the SecureContext's), when any. */
  parameters?: string;
}

export function sessionKey(parts: SessionKeyParts): string {
  const fields: unknown[] = [
    parts.host,
    parts.port,
    parts.servername,
    parts.verification,
    parts.caSha256,
    parts.identity,
    parts.clientSha256,
  ];
  if (parts.parameters) fields.push(parts.parameters);
  return fields.map(String).join('|');
}

export class SessionCache {
  readonly #max: number;
  readonly #sessions = new Map<string, Buffer>();

  constructor(maxCachedSessions: number = DEFAULT_MAX_CACHED_SESSIONS) {
    this.#max = maxCachedSessions;
  }

  get size(): number {
    return this.#sessions.size;
  }

  get(key: string): Buffer | undefined {
    const session = this.#sessions.get(key);
    if (session) {
      this.#sessions.delete(key);
      this.#sessions.set(key, session);
    }
    return session;
  }

  set(key: string, session: Buffer): void {
    if (this.#max <= 0) return;
    this.#sessions.delete(key);
    this.#sessions.set(key, session);
    while (this.#sessions.size > this.#max) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#sessions.delete(key);
  }

  /** Forgets every session of a client identity (any version): used on rotation and deletion. */
  deleteIdentity(secretKey: string): void {
    for (const key of [...this.#sessions.keys()]) {
      if (key.split('|')[5]?.startsWith(`${secretKey}@`)) this.#sessions.delete(key);
    }
  }

  clear(): void {
    this.#sessions.clear();
  }
}
