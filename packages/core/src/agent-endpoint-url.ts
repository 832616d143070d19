// The URL forms an AgentEndpoint accepts, normalized as ngrok does (reference notes §1):
// `spec.url` is what clients reach, `spec.upstream.url` is what the agent dials.
import { isIP } from 'node:net';

export type EndpointScheme = 'http' | 'https' | 'tcp' | 'tls';
const SCHEMES: readonly string[] = ['http', 'https', 'tcp', 'tls'];

export type UrlProblemCode =
  | 'UrlRequired'
  | 'UrlNotString'
  | 'UrlUnsupportedScheme'
  | 'UrlInvalidHost'
  | 'UrlInvalidPort'
  | 'UrlMissingHost'
  | 'UrlMissingPort'
  | 'UrlPortNotAllowed'
  | 'UrlHasPath'
  | 'UrlHasUserInfo';

/** Why a URL was rejected; `message` states the rule in words. */
export interface UrlProblem {
  code: UrlProblemCode;
  message: string;
}

export type UrlParse<T> = { ok: true; value: T } | { ok: false; problem: UrlProblem };

/** A normalized `spec.url`. */
export interface EndpointUrl {
  scheme: EndpointScheme;
  /** Lower-case host; `''` when ngrok assigns the address (`https://`, `tcp://`, empty url). */
  host: string;
  /** Only when it is not the scheme's default (http 80, https 443, tls 443); always for tcp. */
  port?: number;
  /** `https://example.org`, `tcp://1.tcp.ngrok.io:12345`, `tls://x`, `https://` (assigned). */
  url: string;
  /** A `*.internal` host: reachable only from other endpoints (forward-internal). */
  internal: boolean;
}

/** A normalized `spec.upstream.url`: always scheme, host and port. */
export interface UpstreamUrl {
  scheme: EndpointScheme;
  host: string;
  port: number;
  /** `<scheme>://<host>:<port>` (IPv6 hosts in brackets). */
  url: string;
}

const DEFAULT_PORTS: Record<EndpointScheme, number | undefined> = { http: 80, https: 443, tls: 443, tcp: undefined };
const LABEL = '[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?';
const HOSTNAME = new RegExp(`^${LABEL}(\\.${LABEL})*\\.?$`);
const WILDCARD_HOSTNAME = new RegExp(`^(\\*\\.)?${LABEL}(\\.${LABEL})*\\.?$`);
const SCHEME_PREFIX = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s;
const PORT_ONLY = /^[0-9]+$/;

interface Parts {
  scheme: string | undefined;
  host: string;
  port: string | undefined;
  rest: string;
  userInfo: boolean;
}

/** Splits `[scheme://][userinfo@]host[:port][/path?query#fragment]` without interpreting it. */
function split(text: string): Parts | UrlProblem {
  const prefixed = SCHEME_PREFIX.exec(text);
  const scheme = prefixed ? prefixed[1]!.toLowerCase() : undefined;
  const afterScheme = prefixed ? prefixed[2]! : text;
  const restAt = afterScheme.search(/[/?#]/);
  let authority = restAt === -1 ? afterScheme : afterScheme.slice(0, restAt);
  const rest = restAt === -1 ? '' : afterScheme.slice(restAt);
  const at = authority.lastIndexOf('@');
  const userInfo = at !== -1;
  if (userInfo) authority = authority.slice(at + 1);
  let host = authority;
  let port: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) return { code: 'UrlInvalidHost', message: `host "${authority}" has an unclosed "["` };
    host = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return { code: 'UrlInvalidHost', message: `unexpected "${after}" after the IPv6 host` };
      port = after.slice(1);
    }
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon !== -1) {
      host = authority.slice(0, colon);
      port = authority.slice(colon + 1);
    }
  }
  return { scheme, host, port, rest, userInfo };
}

function isProblem(value: Parts | UrlProblem): value is UrlProblem {
  return 'code' in value;
}

function parsePort(text: string): number | undefined {
  if (!PORT_ONLY.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** Lower-cased host, or undefined when it is not a DNS name, IPv4 or bracketed IPv6 address. */
function normalizeHost(host: string, allowWildcard: boolean): string | undefined {
  if (host.startsWith('[') && host.endsWith(']')) {
    const inner = host.slice(1, -1);
    return isIP(inner) === 6 ? `[${inner.toLowerCase()}]` : undefined;
  }
  const lower = host.toLowerCase();
  if (lower.length > 253) return undefined;
  return (allowWildcard ? WILDCARD_HOSTNAME : HOSTNAME).test(lower) ? lower.replace(/\.$/, '') : undefined;
}

function checkScheme(scheme: string): UrlProblem | undefined {
  if (SCHEMES.includes(scheme)) return undefined;
  return { code: 'UrlUnsupportedScheme', message: `unsupported scheme "${scheme}://"; use http://, https://, tcp:// or tls://` };
}

function checkRest(parts: Parts, what: string): UrlProblem | undefined {
  if (parts.userInfo) return { code: 'UrlHasUserInfo', message: `${what} must not carry user information ("user@")` };
  if (parts.rest !== '' && parts.rest !== '/')
    return { code: 'UrlHasPath', message: `${what} must not have a path, query or fragment ("${parts.rest}")` };
  return undefined;
}

function formatUrl(scheme: string, host: string, port: number | undefined): string {
  return `${scheme}://${host}${port !== undefined ? `:${port}` : ''}`;
}

/**
 * `spec.url`: a domain (`example.org` → `https://example.org`), an origin
 * (`https://x`, `https://x:443` → `https://x`, `tcp://1.tcp.ngrok.io:12345`, `tls://x`),
 * a scheme shorthand (`https://`, `tcp://`: ngrok assigns the address) or empty
 * (an assigned https address). `*.internal` hosts make internal endpoints. tcp URLs
 * with a host need a port; tls URLs listen on 443 only.
 */
export function parseEndpointUrl(value: unknown): UrlParse<EndpointUrl> {
  if (value === undefined || value === null) return fail('UrlRequired', 'a URL is required');
  if (typeof value !== 'string') return fail('UrlNotString', `the URL must be a string, not ${describe(value)}`);
  const text = value.trim();
  if (text === '') return { ok: true, value: { scheme: 'https', host: '', url: 'https://', internal: false } };
  const parts = split(text);
  if (isProblem(parts)) return { ok: false, problem: parts };
  const scheme = parts.scheme ?? 'https';
  const schemeProblem = checkScheme(scheme);
  if (schemeProblem) return { ok: false, problem: schemeProblem };
  const typed = scheme as EndpointScheme;
  const restProblem = checkRest(parts, 'an endpoint URL');
  if (restProblem) return { ok: false, problem: restProblem };
  if (parts.host === '' && parts.port === undefined) {
    return { ok: true, value: { scheme: typed, host: '', url: `${typed}://`, internal: false } };
  }
  const host = normalizeHost(parts.host, true);
  if (host === undefined || host === '') {
    return fail('UrlInvalidHost', `host "${parts.host}" is not a valid DNS name, "*.domain" wildcard or IP address`);
  }
  let port: number | undefined;
  if (parts.port !== undefined) {
    port = parsePort(parts.port);
    if (port === undefined) return fail('UrlInvalidPort', `port "${parts.port}" must be a number from 1 to 65535`);
  }
  if (typed === 'tcp' && port === undefined)
    return fail('UrlMissingPort', `a tcp:// URL with a host needs a port (e.g. tcp://1.tcp.ngrok.io:12345)`);
  if (typed === 'tls' && port !== undefined && port !== 443)
    return fail('UrlPortNotAllowed', `a tls:// endpoint listens on port 443 only, not ${port}`);
  if (port === DEFAULT_PORTS[typed]) port = undefined;
  const internal = host.endsWith('.internal');
  return { ok: true, value: { scheme: typed, host, ...(port !== undefined ? { port } : {}), url: formatUrl(typed, host, port), internal } };
}

/**
 * `spec.upstream.url`, normalized as ngrok's ParseAndSanitizeEndpointURL: `8080` →
 * `http://localhost:8080`, `service.default:8080` → `http://service.default:8080`,
 * `example.com` → `http://example.com:80`, `https://example.com` → `:443`,
 * `https://` → `https://localhost:443`; `tcp://` needs host and port; other schemes
 * are rejected.
 */
export function parseUpstreamUrl(value: unknown): UrlParse<UpstreamUrl> {
  if (value === undefined || value === null) return fail('UrlRequired', 'a URL is required');
  if (typeof value !== 'string') return fail('UrlNotString', `the URL must be a string, not ${describe(value)}`);
  const text = value.trim();
  if (text === '') return fail('UrlRequired', 'the URL must not be empty');
  if (PORT_ONLY.test(text)) {
    const port = parsePort(text);
    if (port === undefined) return fail('UrlInvalidPort', `port "${text}" must be a number from 1 to 65535`);
    return { ok: true, value: { scheme: 'http', host: 'localhost', port, url: formatUrl('http', 'localhost', port) } };
  }
  const parts = split(text);
  if (isProblem(parts)) return { ok: false, problem: parts };
  const scheme = parts.scheme ?? 'http';
  const schemeProblem = checkScheme(scheme);
  if (schemeProblem) return { ok: false, problem: schemeProblem };
  const typed = scheme as EndpointScheme;
  const restProblem = checkRest(parts, 'an upstream URL');
  if (restProblem) return { ok: false, problem: restProblem };
  if (parts.host === '' && typed === 'tcp')
    return fail('UrlMissingHost', 'a tcp:// upstream must provide a hostname and a port (e.g. tcp://127.0.0.1:5432)');
  const host = parts.host === '' ? 'localhost' : normalizeHost(parts.host, false);
  if (host === undefined || host === '') return fail('UrlInvalidHost', `host "${parts.host}" is not a valid DNS name or IP address`);
  let port = DEFAULT_PORTS[typed];
  if (parts.port !== undefined) {
    port = parsePort(parts.port);
    if (port === undefined) return fail('UrlInvalidPort', `port "${parts.port}" must be a number from 1 to 65535`);
  }
  if (port === undefined) return fail('UrlMissingPort', `a tcp:// upstream needs a port (e.g. tcp://${host}:5432)`);
  return { ok: true, value: { scheme: typed, host, port, url: formatUrl(typed, host, port) } };
}

/** The host as SNI wants it: DNS names only (RFC 6066 forbids IP literals), else `''`. */
export function sniHost(host: string): string {
  if (host.startsWith('[') || isIP(host) !== 0) return '';
  return host;
}

function fail<T>(code: UrlProblemCode, message: string): UrlParse<T> {
  return { ok: false, problem: { code, message } };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return value === null ? 'null' : `a ${typeof value}`;
}
