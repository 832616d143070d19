// Reading kubernetes.io/tls Secrets and CA bundles from Secrets/ConfigMaps.
import type { ConfigMap, Secret } from './kube-objects.js';
import { isRecord } from './resource-ref.js';
import { containsPrivateKey } from './stable-json.js';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

export type SecretProblemCode = 'SecretWrongType' | 'SecretMissingKey' | 'SecretInvalidBase64' | 'SecretMalformed';

export interface SecretProblem {
  code: SecretProblemCode;
  message: string;
  /** Field of the Secret the problem is in, e.g. `data[tls.crt]`. */
  field: string;
}

export type SecretValue = { ok: true; value: string } | { ok: false; problem: SecretProblem };

/**
 * One value of a Secret or ConfigMap, decoded. `stringData` wins over `data`, as the
 * API server merges it; ConfigMaps keep text in `data`.
 */
export function readObjectValue(object: Secret | ConfigMap | unknown, key: string, encoding: 'base64' | 'text'): SecretValue {
  if (!isRecord(object)) return { ok: false, problem: { code: 'SecretMalformed', message: 'not an object', field: '' } };
  const stringData = object.stringData;
  if (isRecord(stringData) && key in stringData) {
    const value = stringData[key];
    if (typeof value === 'string') return { ok: true, value };
    return { ok: false, problem: { code: 'SecretMalformed', message: `stringData[${key}] must be a string`, field: `stringData[${key}]` } };
  }
  const data = object.data;
  if (isRecord(data) && key in data) {
    const value = data[key];
    const field = `data[${key}]`;
    if (typeof value !== 'string') return { ok: false, problem: { code: 'SecretMalformed', message: `${field} must be a string`, field } };
    if (encoding === 'text') return { ok: true, value };
    const decoded = decodeBase64(value);
    if (decoded === undefined)
      return { ok: false, problem: { code: 'SecretInvalidBase64', message: `${field} is not valid base64`, field } };
    return { ok: true, value: decoded };
  }
  return { ok: false, problem: { code: 'SecretMissingKey', message: `has no key "${key}" in data or stringData`, field: `data[${key}]` } };
}

export type TlsSecretResult = { ok: true; certChainPem: string; keyPem: string } | { ok: false; problem: SecretProblem };

/** Reads `tls.crt` and `tls.key` of a `kubernetes.io/tls` Secret. */
export function readTlsSecret(secret: Secret | unknown): TlsSecretResult {
  if (!isRecord(secret)) return { ok: false, problem: { code: 'SecretMalformed', message: 'is not an object', field: '' } };
  const type = secret.type;
  if (type !== TLS_SECRET_TYPE) {
    const shown = typeof type === 'string' ? `"${type}"` : 'not set';
    return { ok: false, problem: { code: 'SecretWrongType', message: `has type ${shown}, expected "${TLS_SECRET_TYPE}"`, field: 'type' } };
  }
  const cert = readObjectValue(secret, 'tls.crt', 'base64');
  if (!cert.ok) return cert;
  const key = readObjectValue(secret, 'tls.key', 'base64');
  if (!key.ok) return key;
  return { ok: true, certChainPem: cert.value, keyPem: key.value };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict standard base64 (line breaks tolerated); undefined when invalid. */
export function decodeBase64(text: string): string | undefined {
  const compact = text.replace(/[\r\n\t ]/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}

/**
 * Keys of a ConfigMap or Secret whose value holds PEM private key material (stringData,
 * data; a Secret's data decoded from base64), sorted. A CA reference needs only `ca.crt`:
 * a private key beside it (often the CA's own) is readable by whoever can read the object.
 */
export function privateKeyEntries(object: unknown, encoding: 'base64' | 'text'): string[] {
  if (!isRecord(object)) return [];
  const found = new Set<string>();
  for (const [where, values] of [
    ['stringData', object.stringData],
    ['data', object.data],
  ] as const) {
    if (!isRecord(values)) continue;
    for (const [key, value] of Object.entries(values)) {
      if (typeof value !== 'string') continue;
      const text = where === 'data' && encoding === 'base64' ? decodeBase64(value) : value;
      if (text !== undefined && containsPrivateKey(text)) found.add(key);
    }
  }
  return [...found].sort();
}
