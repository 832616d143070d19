// fast-check mutations of a ClusterSnapshot: drop, retype, duplicate, null any field at
// any depth; huge strings; corrupted Secret data (base64 and PEM); invalid annotation
// JSON; unknown kinds and versions. A mutation addresses its target by an index into the
// paths of the snapshot *as it is when the mutation applies*, so fast-check can shrink
// the list freely and every mutation always lands somewhere.
import fc from 'fast-check';
import type { ClusterSnapshot } from '@kupstream/core';

export type Path = readonly (string | number)[];
type Json = Record<string, unknown>;

const RETYPES = ['string', 'number', 'bool', 'null', 'array', 'object'] as const;
type Retype = (typeof RETYPES)[number];
const SECRET_TRANSFORMS = [
  'truncate',
  'flip',
  'swapCertAndKey',
  'doubleEncode',
  'stripPadding',
  'rawPem',
  'garbageInBody',
  'crlf',
  'keyInCert',
  'certTwice',
] as const;
type SecretTransform = (typeof SECRET_TRANSFORMS)[number];

export type Mutation =
  | { op: 'drop'; at: number }
  | { op: 'null'; at: number }
  | { op: 'retype'; at: number; to: Retype }
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'duplicate'; at: number }
  | { op: 'huge'; at: number; unit: string; length: number }
  | { op: 'secretValue'; at: number; field: 'data' | 'stringData'; key: string; value: unknown }
  | { op: 'secretTransform'; at: number; key: string; transform: SecretTransform }
  | { op: 'annotation'; at: number; key: string; value: string }
  | { op: 'reKind'; at: number; apiVersion: unknown; kind: unknown };

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An own enumerable property even for `__proto__`, as JSON.parse and YAML make it. */
function objectFrom(entries: [string, unknown][]): Json {
  const o: Json = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

// Strings the translators parse: names, hostnames, URLs, ports, enums, regexes, and keys
// that break objects used as maps.
const SPECIAL_STRINGS = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '*',
  '*.',
  '.',
  '..',
  '/',
  '//',
  '-',
  '0',
  '-1',
  '443',
  '65536',
  '1e3',
  'NaN',
  'true',
  'null',
  'a'.repeat(254),
  'xn--bcher-kva.example',
  'bücher.example',
  '例え.jp',
  '\u0000',
  '\n',
  'a\nb',
  '${HOME}',
  '%2e%2e',
  'https://',
  'http://localhost:8080',
  'tcp://:0',
  'tls://x:99999',
  'https://user:pw@a.example:443/p?q#f',
  '::1',
  '[::1]:80',
  '127.0.0.1',
  'HTTPS',
  'HTTP',
  'TLS',
  'TCP',
  'h2c',
  'kubernetes.io/h2c',
  'Exact',
  'PathPrefix',
  'Prefix',
  'RegularExpression',
  'ImplementationSpecific',
  '(',
  '[',
  '(a+)+$',
  'Secret',
  'ConfigMap',
  'Service',
  'Gateway',
  'System',
  'default',
  'kube-system',
  'gateway.networking.k8s.io',
  'ngrok',
  '{"https":"HTTPS"}',
  '{',
  'internal',
  'public',
  'kubernetes',
];
const specialString = fc.constantFrom(...SPECIAL_STRINGS);
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 0.5, 80, 443, 65535, 65536, 1e21, NaN, Infinity, -Infinity, -0, 2 ** 53 + 2),
);
const scalar = fc.oneof(fc.string({ maxLength: 12 }), specialString, number, fc.boolean(), fc.constant(null));
const key = fc.oneof(fc.string({ maxLength: 8 }), specialString);
const smallObject = fc.array(fc.tuple(key, scalar), { maxLength: 3 }).map(objectFrom);
/** Nested garbage, normalised through JSON so no object has a null prototype. */
const nested = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v) ?? 'null') as unknown);
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: smallObject },
  { weight: 1, arbitrary: fc.array(smallObject, { maxLength: 2 }) },
  { weight: 1, arbitrary: nested },
);

const GARBAGE_PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzzzz\n-----END CERTIFICATE-----\n';
// PEM-shaped garbage, assembled so no key-looking block sits in the source.
const GARBAGE_PEM_KEY = `-----BEGIN ${'PRIVATE'} KEY-----\nZ2FyYmFnZQ==\n-----END ${'PRIVATE'} KEY-----\n`;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const secretValue = fc.oneof(
  fc.constantFrom(
    '!!!not base64!!!',
    '',
    '====',
    'QUJD',
    'a',
    ' ',
    '\n',
    'ü',
    b64(GARBAGE_PEM_CERT),
    b64(GARBAGE_PEM_KEY),
    b64('-----BEGIN CERTIFICATE-----\n'),
    b64(GARBAGE_PEM_CERT + GARBAGE_PEM_KEY),
    GARBAGE_PEM_CERT,
  ),
  fc.string({ maxLength: 40 }).map(b64),
  fc.string({ maxLength: 40 }),
  scalar,
);

const ANNOTATION_KEYS = [
  'k8s.ngrok.com/app-protocols',
  'ngrok.com/app-protocols',
  'ngrok.com/traffic-policy',
  'k8s.ngrok.com/traffic-policy',
  'ngrok.com/bindings',
  'k8s.ngrok.com/bindings',
  'ngrok.com/description',
  'ngrok.com/metadata',
  'k8s.ngrok.com/metadata',
  'kubernetes.io/ingress.class',
  'ingressclass.kubernetes.io/is-default-class',
  'ngrok.com/url',
];
const INVALID_JSON = [
  '{"https": ',
  '{',
  '[',
  'null',
  '5',
  '"HTTPS"',
  '{"https": 5}',
  '{"https": ["HTTPS"]}',
  '{"__proto__": "HTTPS"}',
  '{"https":"HTTPS","https":"HTTP"}',
  '{"HTTPS": "https"}',
  "{'https': 'HTTPS'}",
  '{"https":"QUIC"}',
  '',
  ' ',
  'true',
  '[{"a":1}]',
  ',,',
  'internal,public',
  '{"a":'.repeat(1000),
];

const API_VERSIONS = [
  'example.com/v9',
  'gateway.networking.k8s.io/v9',
  'gateway.networking.k8s.io/v1beta1',
  'gateway.networking.k8s.io/v1alpha3',
  'networking.k8s.io/v1beta1',
  'extensions/v1beta1',
  'v1',
  'v2',
  '',
  '/',
  'ngrok.k8s.ngrok.com/v1alpha1',
];
const KINDS = [
  'Widget',
  'Gateway',
  'HTTPRoute',
  'GRPCRoute',
  'TLSRoute',
  'Ingress',
  'IngressClass',
  'AgentEndpoint',
  'CloudEndpoint',
  'Secret',
  'ConfigMap',
  'Service',
  'ReferenceGrant',
  'BackendTLSPolicy',
  'List',
  '',
  'gateway',
];

const at = fc.nat();
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('drop' as const), at }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('null' as const), at }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('retype' as const), at, to: fc.constantFrom(...RETYPES) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('replace' as const), at, value: anyValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('huge' as const),
      at,
      unit: fc.constantFrom('a', 'a.', '*.', '/', '-', 'é', '%2F', '{', ' '),
      length: fc.constantFrom(1_000, 70_000, 300_000),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('secretValue' as const),
      at,
      field: fc.constantFrom('data' as const, 'stringData' as const),
      key: fc.constantFrom('tls.crt', 'tls.key', 'ca.crt'),
      value: secretValue,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('secretTransform' as const),
      at,
      key: fc.constantFrom('tls.crt', 'tls.key', 'ca.crt'),
      transform: fc.constantFrom(...SECRET_TRANSFORMS),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('annotation' as const),
      at,
      key: fc.constantFrom(...ANNOTATION_KEYS),
      value: fc.constantFrom(...INVALID_JSON),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('reKind' as const),
      at,
      apiVersion: fc.oneof(fc.constantFrom(...API_VERSIONS), scalar),
      kind: fc.oneof(fc.constantFrom(...KINDS), scalar),
    }),
  },
);
export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 6 });

/** Every path below the snapshot's lists: `['gateways', 0]`, `['gateways', 0, 'spec', 'listeners', 0, 'port']`, ... */
export function pathsOf(snapshot: Json): Path[] {
  const out: Path[] = [];
  const walk = (value: unknown, path: Path) => {
    if (path.length >= 2) out.push(path);
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (isRecord(value)) for (const k of Object.keys(value)) walk(value[k], [...path, k]);
  };
  for (const k of Object.keys(snapshot)) walk(snapshot[k], [k]);
  return out;
}

function objectsOf(snapshot: Json, keys?: string[]): Json[] {
  const lists = keys ?? Object.keys(snapshot);
  return lists.flatMap((k) => (Array.isArray(snapshot[k]) ? (snapshot[k] as unknown[]).filter(isRecord) : []));
}

function getIn(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, k) => (v as Json | undefined)?.[k as string], root);
}

function retype(value: unknown, to: Retype): unknown {
  switch (to) {
    case 'string':
      return typeof value === 'string' ? `${value}x` : typeof value === 'object' ? (JSON.stringify(value) ?? '') : String(value);
    case 'number':
      return typeof value === 'string'
        ? Number(value) || value.length
        : typeof value === 'number'
          ? -value - 0.5
          : Array.isArray(value)
            ? value.length
            : value
              ? 1
              : 0;
    case 'bool':
      return typeof value === 'boolean' ? !value : Boolean(value);
    case 'null':
      return null;
    case 'array':
      return Array.isArray(value) ? (value.length ? value[0] : {}) : [value];
    case 'object':
      return isRecord(value) ? Object.values(value) : objectFrom([['value', value]]);
  }
}

function transformSecret(pemBase64: unknown, other: unknown, transform: SecretTransform): unknown {
  const text = typeof pemBase64 === 'string' ? pemBase64 : '';
  const pem = Buffer.from(text, 'base64').toString('utf8');
  switch (transform) {
    case 'truncate':
      return text.slice(0, Math.floor(text.length / 2));
    case 'flip': {
      const i = Math.floor(pem.length / 2);
      return b64(pem.slice(0, i) + (pem[i] === 'A' ? 'B' : 'A') + pem.slice(i + 1));
    }
    case 'swapCertAndKey':
      return other;
    case 'doubleEncode':
      return b64(text);
    case 'stripPadding':
      return text.replace(/=+$/, '').slice(0, -1);
    case 'rawPem':
      return pem;
    case 'garbageInBody':
      return b64(pem.replace(/\n/, '\n!!garbage!!\n'));
    case 'crlf':
      return b64(pem.replace(/\n/g, '\r\n'));
    case 'keyInCert':
      return b64(pem + Buffer.from(typeof other === 'string' ? other : '', 'base64').toString('utf8'));
    case 'certTwice':
      return b64(pem + pem);
  }
}

/** Applies one mutation in place; returns what it did in words (for failure reports). */
export function applyMutation(snapshot: Json, m: Mutation): string {
  if (m.op === 'secretValue' || m.op === 'secretTransform') {
    const holders = objectsOf(snapshot, ['secrets', 'configMaps']);
    const holder = holders[m.at % Math.max(holders.length, 1)];
    if (!holder) return `${m.op}: no Secret or ConfigMap`;
    const field = m.op === 'secretValue' ? m.field : 'data';
    const data = isRecord(holder[field]) ? (holder[field] as Json) : (holder[field] = {});
    const before = data[m.key];
    const other = data[m.key === 'tls.key' ? 'tls.crt' : 'tls.key'];
    data[m.key] = m.op === 'secretValue' ? m.value : transformSecret(before, other, m.transform);
    return `${m.op} ${nameOf(holder)}.${field}[${m.key}] ${m.op === 'secretTransform' ? m.transform : show(m.value)}`;
  }
  if (m.op === 'annotation' || m.op === 'reKind') {
    const objects = objectsOf(snapshot);
    const object = objects[m.at % Math.max(objects.length, 1)];
    if (!object) return `${m.op}: no object`;
    if (m.op === 'reKind') {
      const was = nameOf(object);
      object.apiVersion = m.apiVersion;
      object.kind = m.kind;
      return `reKind ${was} -> ${show(m.apiVersion)} ${show(m.kind)}`;
    }
    if (!isRecord(object.metadata)) return `annotation: ${nameOf(object)} has no metadata mapping`;
    const annotations = isRecord(object.metadata.annotations) ? object.metadata.annotations : (object.metadata.annotations = {});
    annotations[m.key] = m.value;
    return `annotation ${nameOf(object)} ${m.key}=${show(m.value)}`;
  }
  const paths = pathsOf(snapshot);
  if (paths.length === 0) return `${m.op}: empty snapshot`;
  const path = paths[m.at % paths.length]!;
  const parent = getIn(snapshot, path.slice(0, -1)) as Json | unknown[];
  const last = path[path.length - 1]!;
  const value = (parent as Json)[last as string];
  const where = path.join('.');
  switch (m.op) {
    case 'drop':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last as string];
      return `drop ${where}`;
    case 'null':
      (parent as Json)[last as string] = null;
      return `null ${where}`;
    case 'retype':
      (parent as Json)[last as string] = retype(value, m.to);
      return `retype ${where} to ${m.to}`;
    case 'replace':
      (parent as Json)[last as string] = m.value;
      return `replace ${where} with ${show(m.value)}`;
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice(last as number, 0, structuredClone(value));
      else if (Array.isArray(value) && value.length) value.push(structuredClone(value[0]));
      else (parent as Json)[last as string] = [value, structuredClone(value)];
      return `duplicate ${where}`;
    case 'huge':
      (parent as Json)[last as string] = m.unit.repeat(Math.ceil(m.length / m.unit.length));
      return `huge ${where} (${m.length} x ${JSON.stringify(m.unit)})`;
  }
}

/** A mutated deep copy of the seed, and the list of what was done to it. */
export function mutate(seed: ClusterSnapshot, mutations: readonly Mutation[]): { snapshot: ClusterSnapshot; log: string[] } {
  const snapshot = structuredClone(seed) as Json;
  const log = mutations.map((m) => applyMutation(snapshot, m));
  return { snapshot: snapshot as ClusterSnapshot, log };
}

function nameOf(object: Json): string {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  return `${text(object.kind)} ${text(metadata.namespace ?? '')}/${text(metadata.name)}`;
}

/** Never String(): a mutated value may be `{toString: 5}`. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? typeof value);
}

function show(value: unknown): string {
  const shown = JSON.stringify(value) ?? typeof value;
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}
