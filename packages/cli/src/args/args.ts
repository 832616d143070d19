// Command-line parsing: argv → one Command, or a UsageError saying what is wrong.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_NAMESPACE } from '@kupstream/core';
import { UsageError, errorMessage } from '../errors.js';
import { parseGatewayPorts, type GatewayPortMapping } from './gateway-port-flag.js';
import { WORKER_DEFAULTS } from '@kupstream/workers';
import {
  parseDuration,
  parseHostPort,
  parseL4Mapping,
  parseNamespace,
  parseDenyUpstream,
  parseResolveOverride,
  parseRfc3339,
  type HostPort,
  type L4Mapping,
  type ResolveOverride,
} from './flag-values.js';

export type CommandName = 'translate' | 'serve';
export type OutputFormat = 'json' | 'yaml';
export type LogFormat = 'text' | 'json';

/** Cluster mode: objects come from the API server instead of -f. */
export interface ClusterFlags {
  /** `--kubeconfig`; undefined: $KUBECONFIG, else the pod's in-cluster configuration. */
  kubeconfig?: string;
  writeStatus: boolean;
}

/** Flags shared by every command that reads manifests. */
export interface ManifestFlags {
  /** `-f` values in command-line order; `-` is stdin. Empty in cluster mode. */
  files: string[];
  /** Set in cluster mode (`--kubeconfig`, or no `-f` at all). */
  cluster?: ClusterFlags;
  now?: Date;
  namespace: string;
  controllerName?: string;
  ingressControllerName?: string;
  loadBalancerHostnames: string[];
}
export interface TranslateFlags extends ManifestFlags {
  strict: boolean;
  output: OutputFormat;
}
/** The Lease that elects the one replica writing statuses (`serve --kubeconfig --write-status`). */
export interface LeaseFlags {
  /** undefined: the kubeconfig context's namespace, the pod's, else `default`. */
  namespace?: string;
  /** undefined: the elector's default, `kupstream-status-writer`. */
  name?: string;
}
export interface ServeFlags extends ManifestFlags {
  listen: HostPort;
  resolve: ResolveOverride[];
  /** `--deny-upstream CIDR`: upstream addresses never dialed (checked when parsed). */
  denyUpstreams: string[];
  /** `--l4 URL=HOST:PORT`: where an L4 endpoint's listener binds (default: the --listen host, the URL's port). */
  l4: L4Mapping[];
  /** `--gateway-port PORT=HOST:PORT`: Gateway listener ports served on addresses of their own (TLS for HTTPS listeners). */
  gatewayPorts: GatewayPortMapping[];
  /** `--tls-min-version`: the lowest TLS version serve's TLS listeners offer clients (default TLSv1.2). */
  tlsMinVersion: 'TLSv1.2' | 'TLSv1.3';
  /** `--admin HOST:PORT` as given (the admin library parses and checks it). */
  admin?: string;
  adminAllowRemote: boolean;
  /** Set only with `--write-status` in cluster mode. */
  lease?: LeaseFlags;
  shutdownTimeoutMs: number;
  /** `--probe-upstreams INTERVAL`: dial each TLS upstream this often and publish the verdict. */
  probeUpstreamsMs?: number;
  logFormat: LogFormat;
  /** `--workers N`: processes serving the listeners (node:cluster); 1 serves in this process. */
  workers: number;
}

/** In-flight requests get this long to finish on shutdown before their connections are cut. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** `--probe-upstreams` below this would be a handshake flood, not a probe. */
export const MIN_PROBE_INTERVAL_MS = 100;

export type Command =
  | { name: 'help'; topic?: CommandName }
  | { name: 'version' }
  | { name: 'translate'; flags: TranslateFlags }
  | { name: 'serve'; flags: ServeFlags };

type Options = NonNullable<ParseArgsConfig['options']>;

const MANIFEST_OPTIONS = {
  filename: { type: 'string', short: 'f', multiple: true },
  kubeconfig: { type: 'string' },
  'write-status': { type: 'boolean' },
  namespace: { type: 'string', short: 'n' },
  now: { type: 'string' },
  'controller-name': { type: 'string' },
  'ingress-controller-name': { type: 'string' },
  'load-balancer-hostname': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} satisfies Options;

const TRANSLATE_OPTIONS = { ...MANIFEST_OPTIONS, strict: { type: 'boolean' }, output: { type: 'string', short: 'o' } } satisfies Options;
const SERVE_OPTIONS = {
  ...MANIFEST_OPTIONS,
  listen: { type: 'string' },
  resolve: { type: 'string', multiple: true },
  'deny-upstream': { type: 'string', multiple: true },
  l4: { type: 'string', multiple: true },
  'gateway-port': { type: 'string', multiple: true },
  'tls-min-version': { type: 'string' },
  admin: { type: 'string' },
  'admin-allow-remote': { type: 'boolean' },
  'lease-namespace': { type: 'string' },
  'lease-name': { type: 'string' },
  'shutdown-timeout': { type: 'string' },
  'probe-upstreams': { type: 'string' },
  'log-format': { type: 'string' },
  workers: { type: 'string' },
} satisfies Options;

export function parseCommandLine(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('no command given: expected translate or serve');
  if (first === '-h' || first === '--help') return { name: 'help' };
  if (first === '-v' || first === '--version') return { name: 'version' };
  if (first === 'help') return helpFor(rest);
  if (first === 'translate') return withUsageOf('translate', () => parseTranslate(rest));
  if (first === 'serve') return withUsageOf('serve', () => parseServe(rest));
  if (first.startsWith('-')) throw new UsageError(`unknown flag ${first} before the command`);
  throw new UsageError(`unknown command ${JSON.stringify(first)}: expected translate or serve`);
}

/** Attaches the command to usage errors raised by flag-value parsers, so its usage is printed. */
function withUsageOf(command: CommandName, parse: () => Command): Command {
  try {
    return parse();
  } catch (error) {
    if (error instanceof UsageError && error.command === undefined) throw new UsageError(error.message, command);
    throw error;
  }
}

function helpFor(rest: string[]): Command {
  const [topic, ...extra] = rest;
  if (extra.length) throw new UsageError(`help takes at most one command, got ${rest.join(' ')}`);
  if (topic === undefined) return { name: 'help' };
  if (topic === 'translate' || topic === 'serve') return { name: 'help', topic };
  throw new UsageError(`no help for ${JSON.stringify(topic)}: expected translate or serve`);
}

function parseTranslate(args: string[]): Command {
  const values = parseFor('translate', args, TRANSLATE_OPTIONS);
  if (values.help) return { name: 'help', topic: 'translate' };
  const output = oneOf('translate', '--output', values.output ?? 'json', ['json', 'yaml'] as const);
  return { name: 'translate', flags: { ...manifestFlags('translate', values), strict: values.strict ?? false, output } };
}

function parseServe(args: string[]): Command {
  const values = parseFor('serve', args, SERVE_OPTIONS);
  if (values.help) return { name: 'help', topic: 'serve' };
  const manifest = manifestFlags('serve', values);
  if (values.listen === undefined) throw new UsageError('--listen HOST:PORT is required, e.g. --listen 127.0.0.1:8080', 'serve');
  const listen = parseHostPort('--listen', values.listen, { allowZero: true });
  const resolve = (values.resolve ?? []).map(parseResolveOverride);
  const seen = new Set<string>();
  for (const override of resolve) {
    const key = `${override.from.host}:${override.from.port}`;
    if (seen.has(key)) throw new UsageError(`--resolve ${key} is given twice`, 'serve');
    seen.add(key);
  }
  const l4 = (values.l4 ?? []).map(parseL4Mapping);
  const mapped = new Set<string>();
  for (const mapping of l4) {
    if (mapped.has(mapping.url)) throw new UsageError(`--l4 ${mapping.url} is given twice`, 'serve');
    mapped.add(mapping.url);
  }
  const flags: ServeFlags = {
    ...manifest,
    listen,
    resolve,
    denyUpstreams: (values['deny-upstream'] ?? []).map(parseDenyUpstream),
    l4,
    gatewayPorts: parseGatewayPorts(values['gateway-port']),
    tlsMinVersion: oneOf('serve', '--tls-min-version', values['tls-min-version'] ?? 'TLSv1.2', ['TLSv1.2', 'TLSv1.3'] as const),
    adminAllowRemote: values['admin-allow-remote'] ?? false,
    shutdownTimeoutMs:
      values['shutdown-timeout'] === undefined
        ? DEFAULT_SHUTDOWN_TIMEOUT_MS
        : parseDuration('--shutdown-timeout', values['shutdown-timeout']),
    logFormat: oneOf('serve', '--log-format', values['log-format'] ?? 'text', ['text', 'json'] as const),
    workers: values.workers === undefined ? WORKER_DEFAULTS.count : parseWorkers(values.workers),
  };
  if (values['probe-upstreams'] !== undefined) {
    const ms = parseDuration('--probe-upstreams', values['probe-upstreams']);
    if (ms < MIN_PROBE_INTERVAL_MS)
      throw new UsageError(`--probe-upstreams ${values['probe-upstreams']}: at least ${MIN_PROBE_INTERVAL_MS} ms between rounds`, 'serve');
    flags.probeUpstreamsMs = ms;
  }
  if (values.admin !== undefined) flags.admin = nonEmpty('--admin', values.admin, 'serve');
  else if (flags.adminAllowRemote) throw new UsageError('--admin-allow-remote needs --admin HOST:PORT', 'serve');
  const leaseNamespace = values['lease-namespace'];
  const leaseName = values['lease-name'];
  if (manifest.cluster?.writeStatus) {
    flags.lease = {
      ...(leaseNamespace !== undefined ? { namespace: parseNamespace('--lease-namespace', leaseNamespace) } : {}),
      ...(leaseName !== undefined ? { name: parseObjectName('--lease-name', leaseName) } : {}),
    };
  } else if (leaseNamespace !== undefined || leaseName !== undefined) {
    // The Lease only decides who writes statuses; without --write-status nobody does.
    throw new UsageError(
      `${leaseNamespace !== undefined ? '--lease-namespace' : '--lease-name'} needs --write-status (the Lease elects the replica that writes statuses)`,
      'serve',
    );
  }
  return { name: 'serve', flags };
}

/** `--workers N`: a whole number in 1..WORKER_DEFAULTS.maxCount. */
function parseWorkers(value: string): number {
  const n = /^\d{1,3}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(n >= 1 && n <= WORKER_DEFAULTS.maxCount))
    throw new UsageError(
      `--workers ${JSON.stringify(value)}: expected a whole number of worker processes from 1 to ${WORKER_DEFAULTS.maxCount}, e.g. --workers 2 (about one per CPU the agent may use; 1 serves in this process)`,
      'serve',
    );
  return n;
}

function oneOf<const T extends string>(command: CommandName, flag: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected ${allowed.join(' or ')}`, command);
  return found;
}

/** A Kubernetes object name (RFC 1123 subdomain), e.g. a Lease's. */
function parseObjectName(flag: string, value: string): string {
  if (value.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value)) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)}: expected an object name (lower-case letters, digits, '-' and '.', at most 253 characters)`,
    );
  }
  return value;
}

interface ManifestValues {
  filename?: string[];
  kubeconfig?: string;
  'write-status'?: boolean;
  namespace?: string;
  now?: string;
  'controller-name'?: string;
  'ingress-controller-name'?: string;
  'load-balancer-hostname'?: string[];
}

function manifestFlags(command: CommandName, values: ManifestValues): ManifestFlags {
  const files = values.filename ?? [];
  for (const file of files)
    if (file === '') throw new UsageError('-f needs a file, a directory or - (stdin), got an empty string', command);
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('-f - (stdin) can be given only once', command);
  if (files.length && values.kubeconfig !== undefined)
    throw new UsageError('-f and --kubeconfig exclude each other: read manifests or a cluster', command);
  const writeStatus = values['write-status'] ?? false;
  if (files.length && writeStatus)
    throw new UsageError(
      '--write-status needs a cluster (--kubeconfig FILE, or in a pod): manifests read with -f have no API server to write to',
      command,
    );
  const flags: ManifestFlags = {
    files,
    // No -f: the objects come from the cluster, as kubectl would find it.
    ...(files.length === 0
      ? {
          cluster: {
            ...(values.kubeconfig !== undefined ? { kubeconfig: nonEmpty('--kubeconfig', values.kubeconfig, command) } : {}),
            writeStatus,
          },
        }
      : {}),
    namespace: values.namespace === undefined ? DEFAULT_NAMESPACE : parseNamespace('--namespace', values.namespace),
    loadBalancerHostnames: values['load-balancer-hostname'] ?? [],
  };
  if (values.now !== undefined) flags.now = parseRfc3339('--now', values.now);
  if (values['controller-name'] !== undefined) flags.controllerName = nonEmpty('--controller-name', values['controller-name'], command);
  if (values['ingress-controller-name'] !== undefined) {
    flags.ingressControllerName = nonEmpty('--ingress-controller-name', values['ingress-controller-name'], command);
  }
  return flags;
}

function nonEmpty(flag: string, value: string, command: CommandName): string {
  if (value.trim() === '') throw new UsageError(`${flag} needs a non-empty value`, command);
  return value;
}

function parseFor<T extends Options>(command: CommandName, args: string[], options: T) {
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    if (positionals.length) {
      throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}: manifests are given with -f`, command);
    }
    return values;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // node:util's messages are precise ("Unknown option '--x'"); keep their first line.
    throw new UsageError(errorMessage(error).split('\n')[0]!, command);
  }
}
