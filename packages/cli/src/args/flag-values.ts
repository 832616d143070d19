// Parsers for flag values. Each throws a UsageError that says what was expected.
import { UpstreamDenyList, type HostPort, type L4Mapping } from '@kupstream/agent';
import { UsageError } from '../errors.js';

export type { HostPort } from '@kupstream/agent';

/** An upstream `host:port` mapped to the address to dial instead (like curl's --resolve). */
export interface ResolveOverride {
  from: HostPort;
  to: HostPort;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** `2026-06-01T00:00:00Z` → Date. Rejects dates that do not exist (2026-02-30). */
export function parseRfc3339(flag: string, value: string): Date {
  const match = RFC3339.exec(value);
  const date = new Date(value);
  if (!match || Number.isNaN(date.getTime()) || !calendarFieldsValid(match)) {
    throw new UsageError(`${flag} ${JSON.stringify(value)}: expected an RFC 3339 timestamp such as 2026-06-01T00:00:00Z`);
  }
  return date;
}

function calendarFieldsValid(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 60;
}

/**
 * `HOST:PORT`, `[IPv6]:PORT`. `allowZero` admits port 0 (listen on an ephemeral port).
 * The host is lower-cased: DNS names are case-insensitive.
 */
export function parseHostPort(flag: string, value: string, { allowZero = false } = {}): HostPort {
  const expected = `expected HOST:PORT (IPv6 as [ADDR]:PORT), port ${allowZero ? '0' : '1'}-65535`;
  const bracketed = /^\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]:(\d+)$/.exec(value);
  const plain = /^([^:[\]\s/]+):(\d+)$/.exec(value);
  const match = bracketed ?? plain;
  if (!match) throw new UsageError(`${flag} ${JSON.stringify(value)}: ${expected}`);
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port > 65535 || port < (allowZero ? 0 : 1)) {
    throw new UsageError(`${flag} ${JSON.stringify(value)}: port ${match[2]} is out of range; ${expected}`);
  }
  return { host: match[1]!.toLowerCase().replace(/\.$/, ''), port };
}

/** `HOST:PORT=ADDR:PORT`, e.g. `example-service.default:443=127.0.0.1:9443`. */
export function parseResolveOverride(value: string): ResolveOverride {
  const eq = value.indexOf('=');
  if (eq < 0) {
    throw new UsageError(
      `--resolve ${JSON.stringify(value)}: expected HOST:PORT=ADDR:PORT, e.g. example-service.default:443=127.0.0.1:9443`,
    );
  }
  return { from: parseHostPort('--resolve', value.slice(0, eq)), to: parseHostPort('--resolve', value.slice(eq + 1)) };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes namespace name (RFC 1123 label). */
export function parseNamespace(flag: string, value: string): string {
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)}: expected a namespace name (lower-case letters, digits and '-', at most 63 characters)`,
    );
  }
  return value;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/** `10s`, `500ms`, `1m` or a plain number of seconds → milliseconds (at most an hour). */
export function parseDuration(flag: string, value: string): number {
  const match = DURATION.exec(value.trim());
  const ms = match ? Math.round(Number(match[1]) * UNIT_MS[(match[2] ?? 's') as keyof typeof UNIT_MS]) : NaN;
  if (!Number.isFinite(ms) || ms > 3_600_000)
    throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a duration such as 10s, 500ms or 1m (at most 1h)`);
  return ms;
}

/** An L4 endpoint URL mapped to the local address its listener binds (`--l4 URL=HOST:PORT`): the agent's L4Mapping. */
export type { L4Mapping } from '@kupstream/agent';

/** `tcp://host:port=HOST:PORT` or `tls://host[:443]=HOST:PORT` (port 0: any free port). */
export function parseL4Mapping(value: string): L4Mapping {
  const example = 'expected URL=HOST:PORT, e.g. tcp://1.tcp.example.io:12345=127.0.0.1:0';
  const eq = value.indexOf('=');
  if (eq < 0) throw new UsageError(`--l4 ${JSON.stringify(value)}: ${example}`);
  const match = /^(tcp|tls):\/\/([^:/\s]+|\[[0-9a-f:.]+\])(?::(\d+))?\/?$/i.exec(value.slice(0, eq));
  const scheme = match?.[1]?.toLowerCase();
  const port = match?.[3] === undefined ? undefined : Number(match[3]);
  if (!match || (scheme === 'tcp' && port === undefined) || (port !== undefined && (port < 1 || port > 65535))) {
    throw new UsageError(`--l4 ${JSON.stringify(value)}: the URL must be tcp://HOST:PORT or tls://HOST; ${example}`);
  }
  // The model's normal form, so the flag matches the endpoint it names (tls:// listens on 443 only).
  const keepPort = port !== undefined && !(scheme === 'tls' && port === 443);
  const url = `${scheme}://${match[2]!.toLowerCase().replace(/\.$/, '')}${keepPort ? `:${port}` : ''}`;
  return { url, to: parseHostPort('--l4', value.slice(eq + 1), { allowZero: true }) };
}

/** `--deny-upstream CIDR`: a CIDR block or one address, checked the way the proxy will use it. */
export function parseDenyUpstream(value: string): string {
  try {
    new UpstreamDenyList({ cidrs: [value] });
  } catch {
    throw new UsageError(
      `--deny-upstream ${JSON.stringify(value)}: expected a CIDR block or an IP address, e.g. 169.254.0.0/16 or fd00::/8`,
    );
  }
  return value;
}
