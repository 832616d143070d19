// Server identity checks exactly as the model's `verification` says. Node passes the
// SNI to checkServerIdentity; we check the model's hostname (or its subjectAltNames)
// instead, so an SNI override never widens what is accepted.
import tls from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import type { Verification } from '@kupstream/core';

export type IdentityCheck = (servername: string, cert: PeerCertificate) => Error | undefined;

const acceptAny: IdentityCheck = () => undefined;

export function identityCheck(verification: Verification): IdentityCheck {
  if (verification.mode === 'none') return acceptAny;
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
export function verificationKey(verification: Verification): string {
  if (verification.mode === 'none') return 'none';
  const sans = (verification.subjectAltNames ?? []).map((s) => (s.type === 'Hostname' ? `dns=${s.hostname}` : `uri=${s.uri}`)).join(',');
  return `${verification.mode}:${verification.hostname}${sans ? `[${sans}]` : ''}`;
}
