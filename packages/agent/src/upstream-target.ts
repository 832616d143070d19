// Where an Upstream's URL points and how it is spoken to.
import type { Upstream, UpstreamScheme } from '@kupstream/core';
import { UpstreamError } from './upstream-errors.js';

/** The schemes an upstream URL may have: one definition, in core's Service protocol rules. */
export type { UpstreamScheme };

export interface UpstreamTarget {
  scheme: UpstreamScheme;
  /** Host name or IP literal, without IPv6 brackets. */
  host: string;
  port: number;
  /** The connection is wrapped in TLS. */
  secure: boolean;
}

/** `host:port` → where to actually connect; `undefined` means "use DNS for the host". */
export type Resolve = (host: string, port: number) => { host: string; port: number } | undefined;

const DEFAULT_PORTS: Record<UpstreamScheme, number | undefined> = { http: 80, https: 443, tcp: undefined, tls: 443 };

export function upstreamTarget(upstream: Upstream): UpstreamTarget {
  let url: URL;
  try {
    url = new URL(upstream.url);
  } catch {
    throw new UpstreamError('invalid_upstream', `upstream URL ${JSON.stringify(upstream.url)} does not parse`, {
      phase: 'config',
      upstream: upstream.name,
    });
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https' && scheme !== 'tcp' && scheme !== 'tls') {
    throw new UpstreamError('invalid_upstream', `upstream scheme ${scheme} is not supported`, { phase: 'config', upstream: upstream.name });
  }
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[scheme];
  if (port === undefined || !url.hostname) {
    throw new UpstreamError('invalid_upstream', `upstream URL ${upstream.url} needs a host and a port`, {
      phase: 'config',
      upstream: upstream.name,
    });
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const secure = scheme === 'https' || scheme === 'tls';
  if (secure && !upstream.tls) {
    throw new UpstreamError('invalid_upstream', `upstream ${upstream.url} is ${scheme} but carries no tls settings`, {
      phase: 'config',
      upstream: upstream.name,
    });
  }
  return { scheme, host, port, secure };
}

const targets = new WeakMap<Upstream, { url: string; tls: Upstream['tls']; target: UpstreamTarget }>();

/**
 * upstreamTarget, parsed once per Upstream object (the proxy asks on every request, and
 * `new URL()` showed in its profile). Re-parsed if the object's url or tls changed; a
 * URL that does not parse throws every time, as upstreamTarget does. Callers must not
 * mutate the result.
 */
export function cachedUpstreamTarget(upstream: Upstream): UpstreamTarget {
  const hit = targets.get(upstream);
  if (hit && hit.url === upstream.url && hit.tls === upstream.tls) return hit.target;
  const target = upstreamTarget(upstream);
  targets.set(upstream, { url: upstream.url, tls: upstream.tls, target });
  return target;
}

export function resolveTarget(target: UpstreamTarget, resolve: Resolve | undefined): { host: string; port: number } {
  return resolve?.(target.host, target.port) ?? { host: target.host, port: target.port };
}
