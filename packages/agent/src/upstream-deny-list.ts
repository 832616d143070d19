// Addresses the agent never dials, whatever the model says: CIDR blocks the host denies
// (e.g. link-local cloud metadata for multi-tenant clusters), and the host's own listen
// and admin addresses (an endpoint whose upstream is the agent itself loops, or publishes
// the loopback-only admin page). Checked on the address actually dialed — after `resolve`
// and after DNS — so a name cannot smuggle a denied address past it.
import dns from 'node:dns';
import net from 'node:net';
import os from 'node:os';
import { UpstreamError } from './upstream-errors.js';

export interface UpstreamDenyOptions {
  /** CIDR blocks (`169.254.0.0/16`, `fd00::/8`) or single addresses never dialed. */
  cidrs?: readonly string[];
  /** The host's own listening addresses, read at each dial (ports may be ephemeral). A wildcard address means every local one. */
  ownAddresses?: () => readonly { address: string; port: number }[];
}

/** `::ffff:1.2.3.4` → `1.2.3.4`. */
function unmapped(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address.toLowerCase();
}

function familyOf(address: string): 'ipv4' | 'ipv6' {
  return net.isIPv4(address) ? 'ipv4' : 'ipv6';
}

/** Parses and checks the CIDR list; throws a TypeError naming the bad entry. */
function blockListOf(cidrs: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const cidr of cidrs) {
    const slash = cidr.indexOf('/');
    const address = unmapped(slash === -1 ? cidr : cidr.slice(0, slash));
    const family = net.isIP(address);
    const prefix = slash === -1 ? (family === 6 ? 128 : 32) : Number(cidr.slice(slash + 1));
    const max = family === 6 ? 128 : 32;
    if (family === 0 || !/^\d{1,3}$/.test(slash === -1 ? String(prefix) : cidr.slice(slash + 1)) || prefix > max)
      throw new TypeError(`denied upstream ${JSON.stringify(cidr)} is not a CIDR block or an IP address (e.g. 169.254.0.0/16, fd00::/8)`);
    list.addSubnet(address, prefix, familyOf(address));
  }
  return list;
}

function isLoopback(address: string): boolean {
  return address === '::1' || (net.isIPv4(address) && address.startsWith('127.'));
}

function isLocal(address: string): boolean {
  if (isLoopback(address)) return true;
  for (const entries of Object.values(os.networkInterfaces())) {
    for (const entry of entries ?? []) if (unmapped(entry.address) === address) return true;
  }
  return false;
}

export class UpstreamDenyList {
  readonly #blocks: net.BlockList;
  readonly #own: UpstreamDenyOptions['ownAddresses'];

  constructor(options: UpstreamDenyOptions = {}) {
    this.#blocks = blockListOf(options.cidrs ?? []);
    this.#own = options.ownAddresses;
  }

  /** Why `address:port` may not be dialed, or undefined. */
  reason(rawAddress: string, port: number): string | undefined {
    const address = unmapped(rawAddress);
    if (!net.isIP(address)) return undefined;
    if (this.#blocks.check(address, familyOf(address))) return `${address} is in a denied range`;
    for (const own of this.#own?.() ?? []) {
      if (own.port !== port) continue;
      const mine = unmapped(own.address);
      const wildcard = mine === '0.0.0.0' || mine === '::';
      if (mine === address || (wildcard && isLocal(address))) return `${address}:${port} is this agent's own listener`;
    }
    return undefined;
  }

  /** Throws `upstream_denied` for a denied address (an IP literal about to be dialed). */
  check(address: string, port: number, upstream: string): void {
    const why = this.reason(address, port);
    if (why) throw denied(why, upstream);
  }

  /** `lookup` (default dns.lookup) with every answer checked: one denied address denies the name. */
  guardLookup(port: number, upstream: string, lookup: net.LookupFunction = dns.lookup as net.LookupFunction): net.LookupFunction {
    return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
      lookup(hostname, options, ((err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => {
        if (err) return callback(err, address, family);
        const answers = Array.isArray(address) ? address.map((a) => a.address) : [address];
        for (const answer of answers) {
          const why = this.reason(answer, port);
          if (why) return callback(denied(`${hostname} resolves to a denied address (${why})`, upstream), address, family);
        }
        callback(null, address, family);
      }) as Parameters<net.LookupFunction>[2]);
    }) as net.LookupFunction;
  }
}

function denied(why: string, upstream: string): UpstreamError {
  return new UpstreamError('upstream_denied', `upstream is not dialed: ${why}`, { phase: 'config', upstream });
}
