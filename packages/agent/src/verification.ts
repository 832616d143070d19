// Server identity checks exactly as the model's `verification` says. Node passes the
// SNI to checkServerIdentity; we check the model's hostname (or its subjectAltNames)
// instead, so an SNI override never widens what is accepted.
import tls from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import type { Verification } from '@kupstream/core';

export type IdentityCheck = (servername: string, cert: PeerCertificate) => Error | undefined;

const acceptAny: IdentityCheck = () => undefined;

export function identityCheck(verification: Verification, verifyDepth?: number): IdentityCheck {
  if (verification.mode === 'none') return acceptAny;
  const names = nameCheck(verification);
  if (verifyDepth === undefined) return names;
  return (servername, cert) => names(servername, cert) ?? depthCheck(cert, verifyDepth);
}

/**
 * nginx's `proxy_ssl_verify_depth`: at most `depth` certificates above the leaf, the trusted
 * CA included (depth 1: the leaf is issued by the CA itself). Node hands checkServerIdentity
 * the verified chain up to the root it found in the trust store.
 */
function depthCheck(cert: PeerCertificate, depth: number): Error | undefined {
  let above = 0;
  let current = cert as tls.DetailedPeerCertificate;
  const seen = new Set<string>();
  while (current.issuerCertificate && current.issuerCertificate !== current && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    current = current.issuerCertificate;
    above++;
  }
  if (above <= depth) return undefined;
  const err = new Error(`certificate chain has ${above} certificates above the leaf; the verify depth allows ${depth}`) as Error & {
    code: string;
  };
  err.code = 'CERT_CHAIN_TOO_LONG';
  return err;
}

function nameCheck(verification: Exclude<Verification, { mode: 'none' }>): IdentityCheck {
  const { hostname } = verification;
  const sans = verification.subjectAltNames ?? [];
  // Gateway API: when subjectAltNames are given, they replace the hostname check.
  if (sans.length === 0) return (_servername, cert) => tls.checkServerIdentity(hostname, cert);
  return (_servername, cert) => {
    for (const san of sans) {
      if (san.type === 'Hostname' && tls.checkServerIdentity(san.hostname, cert) === undefined) return undefined;
      if (san.type === 'URI' && uriNames(cert).includes(san.uri)) return undefined;
    }
    const wanted = sans.map((s) => (s.type === 'Hostname' ? `DNS:${s.hostname}` : `URI:${s.uri}`)).join(', ');
    const err = new Error(`certificate matches none of ${wanted}`) as Error & { code: string; reason: string; host: string };
    err.code = 'ERR_TLS_CERT_ALTNAME_INVALID';
    err.reason = `none of ${wanted} is in the cert's altnames: ${cert.subjectaltname ?? '(none)'}`;
    err.host = hostname;
    return err;
  };
}

function uriNames(cert: PeerCertificate): string[] {
  return (cert.subjectaltname ?? '')
    .split(', ')
    .filter((name) => name.startsWith('URI:'))
    .map((name) => name.slice(4));
}

/** A short, stable description of what is checked, for cache keys. */
export function verificationKey(verification: Verification, verifyDepth?: number): string {
  if (verification.mode === 'none') return 'none';
  const sans = (verification.subjectAltNames ?? []).map((s) => (s.type === 'Hostname' ? `dns=${s.hostname}` : `uri=${s.uri}`)).join(',');
  return `${verification.mode}:${verification.hostname}${sans ? `[${sans}]` : ''}${verifyDepth !== undefined ? `/depth=${verifyDepth}` : ''}`;
}
