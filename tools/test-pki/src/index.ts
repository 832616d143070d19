// Throw-away PKIs for tests and the demo, made at run time with WebCrypto.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface Issued {
  certPem: string;
  keyPem: string;
  /** Subject as node:crypto prints it, e.g. `CN=ExampleClient`. */
  subject: string;
  sha256: string;
}
export interface CertificateAuthority extends Issued {
  readonly keys: CryptoKeyPair;
  readonly cert: x509.X509Certificate;
}

export type KeyType = 'rsa' | 'ec';
export interface KeyOptions {
  keyType?: KeyType;
  /** RSA modulus length; default 2048. */
  rsaBits?: number;
}
export interface ValidityOptions {
  notBefore?: Date;
  notAfter?: Date;
}
export interface LeafOptions extends KeyOptions, ValidityOptions {
  /** Distinguished name, e.g. `CN=ExampleClient`. */
  subject: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  uris?: string[];
  /** Omit for no extension at all. */
  extendedKeyUsage?: ('serverAuth' | 'clientAuth')[];
  isCa?: boolean;
}

const DAY = 24 * 60 * 60 * 1000;
let serial = 1;

function algorithm({ keyType = 'rsa', rsaBits = 2048 }: KeyOptions) {
  return keyType === 'ec'
    ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
    : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: rsaBits };
}

async function generateKeys(options: KeyOptions): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm(options), true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyToPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
}

function nextSerial(): string {
  return (serial++).toString(16).padStart(2, '0');
}

async function finish(cert: x509.X509Certificate, keys: CryptoKeyPair): Promise<Issued> {
  const certPem = cert.toString('pem') + '\n';
  const parsed = new X509Certificate(certPem);
  return { certPem, keyPem: await keyToPem(keys.privateKey), subject: parsed.subject, sha256: parsed.fingerprint256 };
}

export async function createCa(options: { subject?: string } & KeyOptions & ValidityOptions = {}): Promise<CertificateAuthority> {
  const keys = await generateKeys(options);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: options.subject ?? 'CN=ExampleCA',
    notBefore: options.notBefore ?? new Date(now - DAY),
    notAfter: options.notAfter ?? new Date(now + 365 * DAY),
    keys,
    signingAlgorithm: algorithm(options),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { ...(await finish(cert, keys)), keys, cert };
}

export async function issue(
  ca: CertificateAuthority,
  options: LeafOptions,
): Promise<Issued & { keys: CryptoKeyPair; cert: x509.X509Certificate }> {
  const keys = await generateKeys(options);
  const now = Date.now();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(options.isCa ?? false, undefined, true),
    await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
  ];
  if (options.isCa) extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true));
  if (options.extendedKeyUsage) {
    extensions.push(
      new x509.ExtendedKeyUsageExtension(
        options.extendedKeyUsage.map((u) => (u === 'clientAuth' ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth)),
      ),
    );
  }
  const names = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ...(options.uris ?? []).map((value) => ({ type: 'url' as const, value })),
  ];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: options.subject,
    issuer: ca.cert.subject,
    notBefore: options.notBefore ?? new Date(now - DAY),
    notAfter: options.notAfter ?? new Date(now + 365 * DAY),
    signingKey: ca.keys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: algorithm({ keyType: ca.keys.privateKey.algorithm.name === 'ECDSA' ? 'ec' : 'rsa' }),
    extensions,
  });
  return { ...(await finish(cert, keys)), keys, cert };
}

export interface SeedPki {
  ca: CertificateAuthority;
  /** `CN=terminate-tls-example.ngrok.app`, as the seed's step 5 makes it. */
  server: Issued;
  /** `CN=ExampleClient` with `extendedKeyUsage = clientAuth` (the seed's step 8). */
  client: Issued;
}

/**
 * The seed document's PKI: CA `CN=ExampleCA`; server `CN=terminate-tls-example.ngrok.app`;
 * client `CN=ExampleClient` with clientAuth. `serverNames` adds SANs to the server
 * certificate (the seed's has none) for tests that verify it.
 */
export async function createSeedPki(options: { serverNames?: string[]; serverIps?: string[] } & ValidityOptions = {}): Promise<SeedPki> {
  const ca = await createCa({ subject: 'CN=ExampleCA', ...validity(options) });
  const server = await issue(ca, {
    subject: 'CN=terminate-tls-example.ngrok.app',
    dnsNames: options.serverNames ?? [],
    ipAddresses: options.serverIps ?? [],
    ...validity(options),
  });
  const client = await issue(ca, { subject: 'CN=ExampleClient', extendedKeyUsage: ['clientAuth'], ...validity(options) });
  return { ca, server, client };
}

function validity(options: ValidityOptions): ValidityOptions {
  return { ...(options.notBefore ? { notBefore: options.notBefore } : {}), ...(options.notAfter ? { notAfter: options.notAfter } : {}) };
}

/** The Secret `kubectl create secret tls NAME --cert=… --key=…` creates, as a plain object. */
export function tlsSecret(name: string, pair: { certPem: string; keyPem: string }, namespace?: string) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(pair.certPem).toString('base64'),
      'tls.key': Buffer.from(pair.keyPem).toString('base64'),
    },
  };
}
