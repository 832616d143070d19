// Hostname rules of the Gateway API: validation, wildcard matching, listener ∩ route
// intersection and listener isolation.

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const HOSTNAME = new RegExp(`^(\\*\\.)?${LABEL}(\\.${LABEL})*$`);

/** RFC 1123 lower-case DNS name, optionally with one leading `*.` label; no IP addresses. */
export function isValidHostname(value: string): boolean {
  if (value.length === 0 || value.length > 253 || !HOSTNAME.test(value)) return false;
  return !/^[0-9.]+$/.test(value);
}

export function isWildcard(hostname: string): boolean {
  return hostname.startsWith('*.');
}

/**
 * True when `pattern` covers `host`: equal, or `pattern` is `*.suffix` and `host` ends in
 * `.suffix` with at least one more label (`*.example.com` does not cover `example.com`).
 * `host` may itself be a wildcard, which is covered when its suffix is at least as long.
 */
export function hostnameCovers(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!isWildcard(pattern)) return false;
  const suffix = pattern.slice(1);
  return host.endsWith(suffix) && host.length > suffix.length + (isWildcard(host) ? 1 : 0);
}

/**
 * The hostnames a route serves through a listener. Undefined listener hostname matches
 * every route hostname; a route without hostnames inherits the listener's (or `*`).
 * An empty list means no intersection (NoMatchingListenerHostname).
 */
export function intersectHostnames(listenerHostname: string | undefined, routeHostnames: readonly string[]): string[] {
  if (routeHostnames.length === 0) return [listenerHostname ?? '*'];
  if (listenerHostname === undefined) return dedupe(routeHostnames);
  const out: string[] = [];
  for (const host of routeHostnames) {
    if (hostnameCovers(listenerHostname, host)) out.push(host);
    else if (hostnameCovers(host, listenerHostname)) out.push(listenerHostname);
  }
  return dedupe(out);
}

/**
 * Ordering of listener hostnames by specificity: a concrete name beats any wildcard,
 * a longer wildcard beats a shorter one, and any hostname beats none.
 */
export function hostnameSpecificity(hostname: string | undefined): number {
  if (hostname === undefined) return 0;
  if (!isWildcard(hostname)) return 1_000_000;
  return hostname.length;
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}
