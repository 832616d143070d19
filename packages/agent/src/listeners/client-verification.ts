// Client certificates checked in JavaScript against a listener's CA bundle, not by OpenSSL:
// OpenSSL's check of a certificate from another CA with the same subject name tries the
// signature, fails, and leaves an error queued that later drops the connection (with
// AllowInsecureFallback the client must be let in). Here every CA of the bundle whose subject
// is the certificate's issuer is tried, so CAs of equal subject are told apart by their keys.
// Checked: signatures up the chain (intermediates sent by the client, marked CA), validity
// windows, and the leaf's extended key usage when it has one (clientAuth).
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const MAX_DEPTH = 8;

export type ChainOutcome = { ok: true; leaf: X509Certificate } | { ok: false; reason: string; leaf?: X509Certificate } | { ok: 'none' };

/** The CA bundle parsed once per listener. */
export function parseCaBundle(pem: string): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const block of pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) {
    try {
      out.push(new X509Certificate(block));
    } catch {
      // a block that does not parse verifies nothing
    }
  }
  return out;
}

/** The certificates the client sent, leaf first. */
function peerChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let cert: PeerCertificate | undefined = socket.getPeerCertificate(true) as PeerCertificate | undefined;
  const seen = new Set<string>();
  while (cert?.raw && !seen.has(cert.fingerprint256) && chain.length < MAX_DEPTH) {
    seen.add(cert.fingerprint256);
    try {
      chain.push(new X509Certificate(cert.raw));
    } catch {
      break;
    }
    cert = (cert as { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return chain;
}

function validAt(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.issuer === issuer.subject && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export function verifyClientChain(socket: TLSSocket, cas: readonly X509Certificate[], now: number): ChainOutcome {
  const chain = peerChain(socket);
  const leaf = chain[0];
  if (!leaf) return { ok: 'none' };
  const fail = (reason: string): ChainOutcome => ({ ok: false, reason, leaf });
  const usages = leaf.keyUsage;
  if (Array.isArray(usages) && usages.length > 0 && !usages.includes(CLIENT_AUTH)) return fail('NOT_FOR_CLIENT_AUTH');
  let current = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (!validAt(current, now)) return fail(Date.parse(current.validTo) < now ? 'CERT_HAS_EXPIRED' : 'CERT_NOT_YET_VALID');
    const anchor = cas.find((ca) => signedBy(current, ca));
    if (anchor) return validAt(anchor, now) ? { ok: true, leaf } : fail('CA_CERT_EXPIRED');
    const next = chain.find((c, i) => i > 0 && c !== current && c.ca && signedBy(current, c));
    if (!next) return fail('UNTRUSTED_ISSUER');
    current = next;
  }
  return fail('CHAIN_TOO_LONG');
}
