// The admin address shows request headers, routes and certificate facts: it stays on
// loopback unless the operator says otherwise, and saying otherwise earns a warning.
import { isIP } from 'node:net';

export const DEFAULT_ADMIN_HOST = '127.0.0.1';

export interface AdminAddress {
  host: string;
  port: number;
}

export class AdminBindError extends Error {
  override readonly name = 'AdminBindError';
}

/** True for `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^(0{0,4}:){0,5}:?ffff:127\./.test(h) || /^(0{1,4}:){7}0{0,3}1$/.test(h);
  return false;
}

/**
 * Parses `HOST:PORT`, `[IPv6]:PORT`, `:PORT` or `PORT` (host defaults to 127.0.0.1).
 * Port 0 asks the system for a free port.
 */
export function parseAdminAddress(text: string): AdminAddress {
  const value = text.trim();
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  if (!match) throw new AdminBindError(`--admin expects HOST:PORT (e.g. 127.0.0.1:4040), got "${text}"`);
  const host = match[1] || match[2] || DEFAULT_ADMIN_HOST;
  const port = Number(match[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AdminBindError(`--admin port must be 0-65535, got "${match[3]}"`);
  return { host, port };
}

/**
 * Refuses a non-loopback host unless `allowNonLoopback`; when allowed, returns the
 * warning to print (undefined on loopback).
 */
export function assertAdminBind(host: string, options: { allowNonLoopback?: boolean } = {}): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  const what = host === '' || host === '0.0.0.0' || host === '::' ? 'every interface' : host;
  if (!options.allowNonLoopback) {
    throw new AdminBindError(
      `refusing to serve the admin page on ${what}: it shows request headers, routes and certificate details. Bind to 127.0.0.1, or pass --admin-allow-remote to accept the exposure.`,
    );
  }
  return `warning: the admin server listens on ${what}, not loopback; anyone who can reach it sees requests, routes and certificate details, and it has no authentication`;
}
