// Header hygiene between the downstream client and the upstream (RFC 9110 §7.6.1).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Copies headers without hop-by-hop ones, including those the Connection header names. */
export function endToEnd(headers: IncomingHttpHeaders | http2Headers): OutgoingHttpHeaders {
  const connection = headers.connection;
  const named = new Set(
    (Array.isArray(connection) ? connection.join(',') : String(connection ?? ''))
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':') || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

type http2Headers = Record<string, string | string[] | number | undefined>;

/** Adds X-Forwarded-For/-Host/-Proto, appending to an existing X-Forwarded-For. */
export function addForwarded(headers: OutgoingHttpHeaders, client: string | undefined, host: string, proto: string): void {
  const prior = headers['x-forwarded-for'];
  const priorText = Array.isArray(prior) ? prior.join(', ') : prior === undefined ? '' : String(prior);
  if (client) headers['x-forwarded-for'] = priorText ? `${priorText}, ${client}` : client;
  headers['x-forwarded-host'] ??= host;
  headers['x-forwarded-proto'] ??= proto;
}

/** Headers HTTP/2 forbids (RFC 9113 §8.2.2), on top of the hop-by-hop ones. */
export function forHttp2(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'host' || HOP_BY_HOP.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Serializes a request head for a raw Upgrade tunnel. */
export function requestHead(method: string, path: string, headers: OutgoingHttpHeaders): string {
  let head = `${method} ${path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${String(v)}\r\n`;
  }
  return `${head}\r\n`;
}
