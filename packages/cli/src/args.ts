// Command-line parsing: argv → one Command, or a UsageError saying what is wrong.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_NAMESPACE } from '@kupstream/core';
import { UsageError, errorMessage } from './errors.js';
import { parseHostPort, parseNamespace, parseResolveOverride, parseRfc3339, type HostPort, type ResolveOverride } from './flag-values.js';

export type CommandName = 'translate' | 'serve';

/** Flags shared by every command that reads manifests. */
export interface ManifestFlags {
  /** `-f` values in command-line order; `-` is stdin. */
  files: string[];
  now?: Date;
  namespace: string;
  controllerName?: string;
  ingressControllerName?: string;
  loadBalancerHostnames: string[];
}
export interface TranslateFlags extends ManifestFlags {
  strict: boolean;
}
export interface ServeFlags extends ManifestFlags {
  listen: HostPort;
  resolve: ResolveOverride[];
}

export type Command =
  | { name: 'help'; topic?: CommandName }
  | { name: 'version' }
  | { name: 'translate'; flags: TranslateFlags }
  | { name: 'serve'; flags: ServeFlags };

type Options = NonNullable<ParseArgsConfig['options']>;

const MANIFEST_OPTIONS = {
  filename: { type: 'string', short: 'f', multiple: true },
  namespace: { type: 'string', short: 'n' },
  now: { type: 'string' },
  'controller-name': { type: 'string' },
  'ingress-controller-name': { type: 'string' },
  'load-balancer-hostname': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} satisfies Options;

const TRANSLATE_OPTIONS = { ...MANIFEST_OPTIONS, strict: { type: 'boolean' } } satisfies Options;
const SERVE_OPTIONS = {
  ...MANIFEST_OPTIONS,
  listen: { type: 'string' },
  resolve: { type: 'string', multiple: true },
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
  return { name: 'translate', flags: { ...manifestFlags('translate', values), strict: values.strict ?? false } };
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
  return { name: 'serve', flags: { ...manifest, listen, resolve } };
}

interface ManifestValues {
  filename?: string[];
  namespace?: string;
  now?: string;
  'controller-name'?: string;
  'ingress-controller-name'?: string;
  'load-balancer-hostname'?: string[];
}

function manifestFlags(command: CommandName, values: ManifestValues): ManifestFlags {
  const files = values.filename ?? [];
  if (files.length === 0) throw new UsageError('-f FILE|DIR|- is required (repeatable)', command);
  for (const file of files) if (file === '') throw new UsageError('-f needs a file, a directory or - (stdin), got an empty string', command);
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('-f - (stdin) can be given only once', command);
  const flags: ManifestFlags = {
    files,
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
