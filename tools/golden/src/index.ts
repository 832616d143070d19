// Golden cases for translators: `<kind>-<scenario>.in.yaml` -> `<kind>-<scenario>.out.json`.
//
// Inputs may hold PKI placeholders, replaced at test time (no key is ever committed):
//   {{pki:NAME.crt}} / {{pki:NAME.key}} / {{pki:NAME.ca}}  -> base64 of the PEM (for Secret `data`)
//   {{pem:NAME.crt}} / {{pem:NAME.ca}}                     -> the PEM text itself (for a file of its own)
//   {{pemjson:NAME.crt}} / {{pemjson:NAME.ca}}             -> the PEM as a JSON string, a YAML scalar that
//                                                             fits anywhere (ConfigMap `data: {ca.crt: …}`)
//   NAME+NAME… (e.g. {{pemjson:ca+nextca.crt}})              -> those certificates one after the other (a bundle)
// NAME is one of the fixed set below, valid from 2026-01-01 to 2027-06-01 but for expiredca and notyetca.
// Outputs replace every certificate fingerprint with `<sha256:NAME>` so they are stable.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';
import { X509Certificate, createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { snapshotKeyFor, toStableJson, type ClusterSnapshot, type TranslationModel } from '@kupstream/core';
import { createCa, issue, type Issued } from '@kupstream/test-pki';

export const GOLDEN_NOW = new Date('2026-06-01T00:00:00Z');
export const UPDATE = process.env.KUPSTREAM_UPDATE_GOLDEN === '1';

const notBefore = new Date('2026-01-01T00:00:00Z');
const notAfter = new Date('2027-06-01T00:00:00Z');

export interface GoldenPki {
  [name: string]: Issued;
}

let pki: Promise<GoldenPki> | undefined;

/**
 * The fixed set: `ca` (CN=ExampleCA), `otherca`, `nextca` (CN=ExampleCA again, another key: a
 * rollover's new CA), `expiredca` (expired 2026-03-01), `notyetca` (valid from 2026-09-01), `server` (SANs example-service.default,
 * *.default), `client` (the seed's ExampleClient), `client2`, `expired`, `notyet`,
 * `serverauth` (no clientAuth), `weak` (RSA 1024), `noeku`.
 */
export function goldenPki(): Promise<GoldenPki> {
  pki ??= (async () => {
    const ca = await createCa({ subject: 'CN=ExampleCA', notBefore, notAfter });
    const otherca = await createCa({ subject: 'CN=OtherCA', notBefore, notAfter });
    // The same subject as `ca`, another key: the CA a rollover replaces `ca` with.
    const nextca = await createCa({ subject: 'CN=ExampleCA', notBefore, notAfter });
    const expiredca = await createCa({ subject: 'CN=ExpiredCA', notBefore, notAfter: new Date('2026-03-01T00:00:00Z') });
    const notyetca = await createCa({ subject: 'CN=FutureCA', notBefore: new Date('2026-09-01T00:00:00Z'), notAfter });
    const valid = { notBefore, notAfter };
    return {
      ca,
      otherca,
      nextca,
      expiredca,
      notyetca,
      server: await issue(ca, {
        subject: 'CN=example-service.default',
        dnsNames: ['example-service.default', '*.default', 'backend.example.com'],
        extendedKeyUsage: ['serverAuth'],
        ...valid,
      }),
      client: await issue(ca, { subject: 'CN=ExampleClient', extendedKeyUsage: ['clientAuth'], ...valid }),
      client2: await issue(ca, { subject: 'CN=OtherClient', extendedKeyUsage: ['clientAuth'], ...valid }),
      expired: await issue(ca, {
        subject: 'CN=ExpiredClient',
        extendedKeyUsage: ['clientAuth'],
        notBefore,
        notAfter: new Date('2026-03-01T00:00:00Z'),
      }),
      notyet: await issue(ca, {
        subject: 'CN=FutureClient',
        extendedKeyUsage: ['clientAuth'],
        notBefore: new Date('2026-09-01T00:00:00Z'),
        notAfter,
      }),
      serverauth: await issue(ca, { subject: 'CN=ServerAuthOnly', extendedKeyUsage: ['serverAuth'], ...valid }),
      weak: await issue(ca, { subject: 'CN=WeakClient', extendedKeyUsage: ['clientAuth'], rsaBits: 1024, ...valid }),
      noeku: await issue(ca, { subject: 'CN=NoEkuClient', ...valid }),
    };
  })();
  return pki;
}

/** Replaces PKI placeholders in a manifest text. Unknown names are left as they are (and will fail to parse as PEM). */
export async function fillPlaceholders(text: string): Promise<string> {
  if (!text.includes('{{')) return text;
  const set = await goldenPki();
  return text.replace(
    /\{\{(pki|pem|pemjson):([a-z0-9]+(?:\+[a-z0-9]+)*)\.(crt|key|ca)\}\}/g,
    (whole, form: string, names: string, part: string) => {
      const entries = names.split('+').map((name) => set[name]);
      if (entries.some((entry) => !entry)) return whole;
      const pem = entries.map((entry) => (part === 'key' ? entry!.keyPem : entry!.certPem)).join('');
      if (form === 'pki') return Buffer.from(pem).toString('base64');
      return form === 'pemjson' ? JSON.stringify(pem) : pem;
    },
  );
}

/** Parses multi-document YAML into a snapshot (objects without a known kind are ignored). */
export function snapshotFromYaml(text: string): ClusterSnapshot {
  const snapshot: Record<string, unknown[]> = {};
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join('; '));
    const object = doc.toJS() as { apiVersion?: unknown; kind?: unknown } | null;
    if (!object || typeof object !== 'object') continue;
    const key = snapshotKeyFor(object.apiVersion, object.kind);
    if (key) (snapshot[key] ??= []).push(object);
  }
  return snapshot as ClusterSnapshot;
}

/** Replaces certificate fingerprints (colon hex and plain hex) by `<sha256:NAME>`. */
export async function normalizeFingerprints(json: string): Promise<string> {
  const set = await goldenPki();
  let out = json;
  for (const [name, entry] of Object.entries(set)) {
    const cert = new X509Certificate(entry.certPem);
    out = out.split(cert.fingerprint256).join(`<sha256:${name}>`);
    const der = createHash('sha256').update(cert.raw).digest('hex');
    out = out.split(der).join(`<sha256:${name}>`);
  }
  // A bundle of several certificates has a digest of its own: named by first appearance.
  const bundles = new Map<string, string>();
  out = out.replace(/("caSha256": ")([0-9a-f]{64})(")/g, (_whole, before: string, digest: string, after: string) => {
    let name = bundles.get(digest);
    if (!name) bundles.set(digest, (name = `<sha256:bundle${bundles.size + 1}>`));
    return `${before}${name}${after}`;
  });
  return out;
}

export interface GoldenCase {
  name: string;
  input: string;
  expected: string;
}

export function listGoldenCases(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.in.yaml'))
    .map((f) => basename(f, '.in.yaml'))
    .sort();
}

/**
 * Translates one case and compares with its `.out.json`; with KUPSTREAM_UPDATE_GOLDEN=1
 * writes the `.out.json` instead. Returns the actual output text.
 */
export async function runGoldenCase(
  dir: string,
  name: string,
  translate: (snapshot: ClusterSnapshot, now: Date) => TranslationModel,
): Promise<{ actual: string; expected: string | undefined }> {
  const input = await fillPlaceholders(readFileSync(join(dir, `${name}.in.yaml`), 'utf8'));
  const result = translate(snapshotFromYaml(input), GOLDEN_NOW);
  const actual = await normalizeFingerprints(toStableJson(result));
  const outFile = join(dir, `${name}.out.json`);
  if (UPDATE || !existsSync(outFile)) {
    if (UPDATE) writeFileSync(outFile, actual);
    return { actual, expected: UPDATE ? actual : undefined };
  }
  return { actual, expected: readFileSync(outFile, 'utf8') };
}
