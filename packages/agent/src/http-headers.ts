// Header hygiene between the downstream client and the upstream (RFC 9110 §7.6.1).
import { STATUS_CODES, validateHeaderName, validateHeaderValue, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Copies headers without hop-by-hop ones, including those the Connection header names. */
export function endToEnd(headers: IncomingHttpHeaders | http2Headers): OutgoingHttpHeaders {
  const connection = headers.connection;
  // Runs twice per proxied request: no Set unless a Connection header names something
  // besides `keep-alive` (hop-by-hop anyway, and what most upstreams send).
  const named =
    connection === undefined || (typeof connection === 'string' && connection.toLowerCase() === 'keep-alive')
      ? undefined
      : namedIn(connection);
  const out: OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined || name.charCodeAt(0) === 58 /* ':' */ || HOP_BY_HOP.has(name) || named?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

function namedIn(connection: string | string[] | number): Set<string> {
  return new Set(
    (Array.isArray(connection) ? connection.join(',') : String(connection))
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * The client's end-to-end headers as the start of the upstream request: X-Forwarded-Host
 * and -Proto are the proxy's to set (upstreams build absolute URLs and make security
 * decisions from them), so a client's own are dropped.
 */
export function fromClient(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out = endToEnd(headers);
  delete out['x-forwarded-host'];
  delete out['x-forwarded-proto'];
  return out;
}

type http2Headers = Record<string, string | string[] | number | undefined>;

/**
 * undici's raw response headers (name, value, name, value, …) as the end-to-end headers
 * to answer with. Values stay latin1, so bytes pass through unchanged; a repeated header
 * becomes an array, which `writeHead` writes back as separate lines.
 */
export function endToEndRaw(raw: Buffer[]): OutgoingHttpHeaders {
  const parsed: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1').toLowerCase();
    const value = (raw[i + 1] as Buffer).toString('latin1');
    const prior = parsed[name];
    if (prior === undefined) parsed[name] = value;
    else if (Array.isArray(prior)) prior.push(value);
    else parsed[name] = [prior, value];
  }
  return endToEnd(parsed);
}

/**
 * Sets X-Forwarded-Host/-Proto to what this proxy saw unless a route filter set them (the
 * client's own values were dropped by `fromClient`), and appends the client address to
 * X-Forwarded-For.
 */
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

/**
 * A response head for a raw client socket (an Upgrade's answer), every header checked
 * with Node's own validators: throws on a name or value that cannot be written.
 */
export function responseHead(status: number, headers: OutgoingHttpHeaders): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    validateHeaderName(name);
    for (const v of Array.isArray(value) ? value : [value]) {
      const text = String(v);
      validateHeaderValue(name, text);
      // validateHeaderValue lets 0x80-0xff through; a raw write would turn anything above into other bytes.
      if (/[^\t\x20-\xff]/.test(text)) throw new TypeError(`header ${name} has a value that cannot be written`);
      head += `${name}: ${text}\r\n`;
    }
  }
  return `${head}\r\n`;
}
