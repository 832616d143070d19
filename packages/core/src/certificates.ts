// Certificate checks done at translation time, with node:crypto only.
// Messages describe certificates by subject and fingerprint; key material never enters them.
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';

export type CertificateProblemCode =
  | 'CertificateInvalidPem'
  | 'PrivateKeyInvalid'
  | 'PrivateKeyMismatch'
  | 'CertificateNotYetValid'
  | 'CertificateExpired'
  | 'CertificateMissingClientAuth'
  | 'CertificateMissingServerAuth'
  | 'CertificateNoExtendedKeyUsage'
  | 'CertificateWeakKey'
  | 'CertificateChainOrder'
  | 'CaBundleInvalid'
  | 'CaBundleExpired';

export interface CertificateProblem {
  code: CertificateProblemCode;
  message: string;
  /** A fatal problem means the material must not be used (fail closed). */
  fatal: boolean;
}

export interface CertificateFacts {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  /** Colon-separated upper-case hex SHA-256 of the leaf's DER. */
  sha256: string;
}

export interface KeyPairCheck {
  /** Facts of the leaf, when it parsed. */
  facts?: CertificateFacts;
  problems: CertificateProblem[];
  /** No fatal problem. */
  usable: boolean;
}

export type CertificatePurpose = 'client' | 'server';

/** A certificate with fewer days than this left is flagged: a warning diagnostic, the inspector's `expiresSoon`. */
export const EXPIRY_WARNING_DAYS = 30;

export const MIN_RSA_BITS = 2048;
const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const EKU_ANY = '2.5.29.37.0';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Every CERTIFICATE block of a PEM text, parsed; undefined entries failed to parse. */
export function parseCertificates(pem: string): { certificates: X509Certificate[]; invalidBlocks: number } {
  const certificates: X509Certificate[] = [];
  let invalidBlocks = 0;
  for (const block of pem.match(PEM_CERTIFICATE) ?? []) {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      invalidBlocks++;
    }
  }
  return { certificates, invalidBlocks };
}

/** Distinguished name in one line, as OpenSSL prints it: `C=US, O=Org, CN=name`. */
export function formatName(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

export function certificateFacts(cert: X509Certificate): CertificateFacts {
  return {
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    notBefore: toIso(cert.validFrom),
    notAfter: toIso(cert.validTo),
    sha256: cert.fingerprint256,
  };
}

/**
 * What `checkKeyPair` finds that depends on neither the clock nor the purpose, so that a
 * cache can keep it by content (parsing and key matching dominate translation time).
 */
export interface KeyPairInspection {
  facts?: CertificateFacts;
  /** PEM and private key problems, reported before the validity check. */
  parseProblems: CertificateProblem[];
  /** The leaf's validity window (ms, NaN when unreadable) and extended key usage. */
  leaf?: { subject: string; notBefore: number; notAfter: number; extendedKeyUsage: string[] | undefined };
  /** Key strength and chain order problems, reported after the usage check. */
  chainProblems: CertificateProblem[];
}

/**
 * Checks a certificate chain and private key as used for `purpose`: PEM parses, the
 * key parses and matches the leaf, validity against `now`, extended key usage, RSA size,
 * and leaf-first chain order. With a cache, the parsing is done once per content.
 */
export function checkKeyPair(
  certChainPem: string,
  keyPem: string,
  now: Date,
  purpose: CertificatePurpose,
  cache?: CertificateInspector,
): KeyPairCheck {
  return evaluateKeyPair(cache ? cache.keyPair(certChainPem, keyPem) : inspectKeyPair(certChainPem, keyPem), now, purpose);
}

/** The clock- and purpose-independent half of `checkKeyPair`. */
export function inspectKeyPair(certChainPem: string, keyPem: string): KeyPairInspection {
  const parseProblems: CertificateProblem[] = [];
  const { certificates, invalidBlocks } = parseCertificates(certChainPem);
  const leaf = certificates[0];
  if (!leaf || invalidBlocks > 0) {
    parseProblems.push({
      code: 'CertificateInvalidPem',
      message:
        !leaf && invalidBlocks === 0
          ? 'tls.crt holds no PEM CERTIFICATE block'
          : `tls.crt has ${invalidBlocks} PEM block(s) that do not parse as X.509`,
      fatal: true,
    });
    if (!leaf) return { parseProblems, chainProblems: [] };
  }
  const facts = certificateFacts(leaf);

  let key: KeyObject | undefined;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    parseProblems.push({ code: 'PrivateKeyInvalid', message: 'tls.key is not a parseable PEM private key', fatal: true });
  }
  if (key && !leaf.checkPrivateKey(key)) {
    parseProblems.push({
      code: 'PrivateKeyMismatch',
      message: `tls.key does not belong to the certificate ${facts.subject} (${facts.sha256})`,
      fatal: true,
    });
  }
  return {
    facts,
    parseProblems,
    leaf: {
      subject: facts.subject,
      notBefore: Date.parse(leaf.validFrom),
      notAfter: Date.parse(leaf.validTo),
      extendedKeyUsage: leaf.keyUsage as string[] | undefined,
    },
    chainProblems: [...checkKeyStrength(certificates), ...checkChainOrder(certificates)],
  };
}

/** Completes an inspection with the checks that depend on `now` and `purpose`. */
export function evaluateKeyPair(inspection: KeyPairInspection, now: Date, purpose: CertificatePurpose): KeyPairCheck {
  const { facts, leaf } = inspection;
  if (!facts || !leaf) return { problems: [...inspection.parseProblems], usable: false };
  const problems = [
    ...inspection.parseProblems,
    ...checkValidity(leaf, facts, now),
    ...checkKeyUsage(leaf, purpose),
    ...inspection.chainProblems,
  ];
  return { facts, problems, usable: !problems.some((p) => p.fatal) };
}

function checkValidity(leaf: NonNullable<KeyPairInspection['leaf']>, facts: CertificateFacts, now: Date): CertificateProblem[] {
  if (now.getTime() < leaf.notBefore) {
    return [{ code: 'CertificateNotYetValid', message: `certificate ${leaf.subject} is not valid before ${facts.notBefore}`, fatal: true }];
  }
  if (now.getTime() > leaf.notAfter) {
    return [{ code: 'CertificateExpired', message: `certificate ${leaf.subject} expired at ${facts.notAfter}`, fatal: true }];
  }
  return [];
}

function checkKeyUsage(leaf: NonNullable<KeyPairInspection['leaf']>, purpose: CertificatePurpose): CertificateProblem[] {
  const wanted = purpose === 'client' ? EKU_CLIENT_AUTH : EKU_SERVER_AUTH;
  const usage = leaf.extendedKeyUsage;
  const subject = leaf.subject;
  if (!usage || usage.length === 0) {
    return [
      {
        code: 'CertificateNoExtendedKeyUsage',
        message: `certificate ${subject} has no extended key usage; servers that check it will reject it (add extendedKeyUsage = ${purpose === 'client' ? 'clientAuth' : 'serverAuth'})`,
        fatal: false,
      },
    ];
  }
  if (usage.includes(wanted) || usage.includes(EKU_ANY)) return [];
  return [
    {
      code: purpose === 'client' ? 'CertificateMissingClientAuth' : 'CertificateMissingServerAuth',
      message: `certificate ${subject} lacks the ${purpose === 'client' ? 'clientAuth' : 'serverAuth'} extended key usage, so the peer will reject it`,
      fatal: true,
    },
  ];
}

function checkKeyStrength(certificates: X509Certificate[]): CertificateProblem[] {
  const problems: CertificateProblem[] = [];
  for (const cert of certificates) {
    const details = cert.publicKey.asymmetricKeyDetails;
    const type = cert.publicKey.asymmetricKeyType;
    if ((type === 'rsa' || type === 'rsa-pss') && (details?.modulusLength ?? 0) < MIN_RSA_BITS) {
      problems.push({
        code: 'CertificateWeakKey',
        message: `certificate ${formatName(cert.subject)} has a ${details?.modulusLength ?? 0}-bit RSA key; at least ${MIN_RSA_BITS} bits are required`,
        fatal: true,
      });
    }
  }
  return problems;
}

function checkChainOrder(certificates: X509Certificate[]): CertificateProblem[] {
  for (let i = 0; i + 1 < certificates.length; i++) {
    const child = certificates[i]!;
    const parent = certificates[i + 1]!;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      return [
        {
          code: 'CertificateChainOrder',
          message: `certificate ${i + 1} (${formatName(child.subject)}) is not issued by the certificate after it (${formatName(parent.subject)}); tls.crt must list the leaf first, then each issuer`,
          fatal: true,
        },
      ];
    }
  }
  return [];
}

export interface CaBundleCheck {
  /** Hex SHA-256 over the DER of every certificate kept, in order: independent of PEM formatting. */
  sha256?: string;
  /** Certificates kept (the bundle's, less duplicates and expired ones). */
  count: number;
  /** Normalized PEM of the certificates kept. */
  pem?: string;
  problems: CertificateProblem[];
}

/** The clock-independent half of `checkCaBundle`, cacheable by content. */
export interface CaBundleInspection {
  /** Each distinct certificate once, in bundle order. */
  certificates: {
    subject: string;
    notBefore: number;
    notBeforeIso: string;
    notAfter: number;
    notAfterIso: string;
    pem: string;
    der: Buffer;
  }[];
  invalidBlocks: number;
  /** Certificates that repeat an earlier one (a bundle unified from several sources). */
  duplicates: number;
}

/**
 * Parses a CA bundle (`ca.crt`, a ClusterTrustBundle, several unified). Built for rollover:
 * every certificate valid now is trusted, so a bundle holding the old and the new CA verifies
 * servers of either. An expired CA is left out with a warning (it can verify nothing); one not
 * yet valid is kept with a warning (it verifies once its time comes, without a new
 * translation). With none left, the bundle has no `pem` and a fatal problem: fail closed.
 */
export function checkCaBundle(pem: string, now: Date, cache?: CertificateInspector): CaBundleCheck {
  return evaluateCaBundle(cache ? cache.caBundle(pem) : inspectCaBundle(pem), now);
}

export function inspectCaBundle(pem: string): CaBundleInspection {
  const { certificates, invalidBlocks } = parseCertificates(pem);
  const seen = new Set<string>();
  const distinct = certificates.filter((cert) => {
    const key = cert.raw.toString('base64');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return {
    certificates: distinct.map((cert) => ({
      subject: formatName(cert.subject),
      notBefore: Date.parse(cert.validFrom),
      notBeforeIso: toIso(cert.validFrom),
      notAfter: Date.parse(cert.validTo),
      notAfterIso: toIso(cert.validTo),
      pem: cert.toString(),
      der: cert.raw,
    })),
    invalidBlocks,
    duplicates: certificates.length - distinct.length,
  };
}

export function evaluateCaBundle(inspection: CaBundleInspection, now: Date): CaBundleCheck {
  const problems: CertificateProblem[] = [];
  if (inspection.certificates.length === 0) {
    problems.push({ code: 'CaBundleInvalid', message: 'holds no parseable PEM CERTIFICATE', fatal: true });
    return { count: 0, problems };
  }
  if (inspection.invalidBlocks > 0)
    problems.push({
      code: 'CaBundleInvalid',
      message: `${inspection.invalidBlocks} PEM block(s) do not parse and are ignored`,
      fatal: false,
    });
  const kept: CaBundleInspection['certificates'] = [];
  const time = now.getTime();
  for (const cert of inspection.certificates) {
    if (time > cert.notAfter) {
      problems.push({
        code: 'CertificateExpired',
        message: `CA certificate ${cert.subject} expired at ${cert.notAfterIso} and is left out of the bundle`,
        fatal: false,
      });
      continue;
    }
    if (time < cert.notBefore)
      problems.push({
        code: 'CertificateNotYetValid',
        message: `CA certificate ${cert.subject} is not valid before ${cert.notBeforeIso}; servers it signed are refused until then`,
        fatal: false,
      });
    kept.push(cert);
  }
  if (kept.length === 0) {
    problems.push({ code: 'CaBundleExpired', message: 'holds no CA certificate that has not expired', fatal: true });
    return { count: 0, problems };
  }
  const hash = createHash('sha256');
  for (const cert of kept) hash.update(cert.der);
  return { sha256: hash.digest('hex'), count: kept.length, pem: kept.map((c) => c.pem).join(''), problems };
}

/** Where `checkKeyPair` and `checkCaBundle` get their parsing done: a cache, or nothing. */
export interface CertificateInspector {
  keyPair(certChainPem: string, keyPem: string): KeyPairInspection;
  caBundle(pem: string): CaBundleInspection;
}

function toIso(opensslTime: string): string {
  const ms = Date.parse(opensslTime);
  return Number.isNaN(ms) ? opensslTime : new Date(ms).toISOString();
}
