// An http.Agent for one dialer. Node's Agent pools by host:port, so a connection made
// with a client certificate outlives the certificate: after a rotation or a deleted
// Secret the old connection would keep serving. This agent names its pools by the
// dialer's identity (which carries the Secret's version) and drops connections of an
// identity that is no longer current when the credential store changes.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type net from 'node:net';
import { connectionInfo, type UpstreamDialer } from './dialer.js';

export interface DialerAgentOptions extends http.AgentOptions {
  /** `'https:'` to hand the agent to `https.request`; the dialer does the TLS either way. Default `'http:'`. */
  protocol?: 'http:' | 'https:';
}

/** Identity of the next connection; a fail-closed dialer gets a pool of its own whose dial fails typed. */
function currentIdentity(dialer: UpstreamDialer): string | undefined {
  try {
    return dialer.identity();
  } catch {
    return undefined;
  }
}

class IdentityAgent extends http.Agent {
  readonly #dialer: UpstreamDialer;
  readonly #onChange = () => this.#dropStale();

  constructor(dialer: UpstreamDialer, options: DialerAgentOptions) {
    const { protocol, ...agentOptions } = options;
    super({ keepAlive: true, ...agentOptions });
    this.#dialer = dialer;
    if (protocol) Reflect.set(this, 'protocol', protocol);
    if (protocol === 'https:') Reflect.set(this, 'defaultPort', 443);
    this.createConnection = dialer.createConnection;
    dialer.credentials.on('change', this.#onChange);
  }

  override getName(options?: Parameters<http.Agent['getName']>[0]): string {
    return `${super.getName(options)}|${currentIdentity(this.#dialer) ?? 'unavailable'}`;
  }

  #isCurrent(socket: Duplex): boolean {
    const made = connectionInfo(socket as net.Socket)?.identity;
    return made !== undefined && made === currentIdentity(this.#dialer);
  }

  override keepSocketAlive(socket: Duplex): boolean {
    // A connection whose identity went stale while it served a request closes after it.
    if (!this.#isCurrent(socket)) return false;
    return (super.keepSocketAlive as (s: Duplex) => boolean)(socket);
  }

  #dropStale(): void {
    for (const sockets of Object.values(this.freeSockets)) {
      for (const socket of sockets ?? []) if (!this.#isCurrent(socket)) socket.destroy();
    }
  }

  override destroy(): void {
    this.#dialer.credentials.off('change', this.#onChange);
    super.destroy();
  }
}

/**
 * A keep-alive `http.Agent` (options as `http.Agent`'s) whose connections come from
 * `dialer`, pooled per dialer identity; idle connections of a replaced or deleted
 * identity close on the store's `change`, busy ones after their response.
 * Call `destroy()` when done: it also stops following the store.
 */
export function dialerAgent(dialer: UpstreamDialer, options: DialerAgentOptions = {}): http.Agent {
  return new IdentityAgent(dialer, options);
}
