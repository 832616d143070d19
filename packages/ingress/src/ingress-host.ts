// Ingress rule hosts: DNS names, optionally a leading "*." wildcard; never IP addresses.
import { isIP } from 'node:net';

const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export type HostCheck = { ok: true; host: string } | { ok: false; message: string };

export function checkIngressHost(value: unknown): HostCheck {
  if (value === undefined || value === null || value === '') {
    return { ok: false, message: 'has no host; kupstream endpoints are https://<host>, so a rule without a host is not served' };
  }
  if (typeof value !== 'string') return { ok: false, message: 'host must be a string' };
  const host = value.toLowerCase();
  if (isIP(host) !== 0) return { ok: false, message: `host "${value}" is an IP address; Ingress hosts are DNS names` };
  if (host.length > 253 || !HOST.test(host))
    return { ok: false, message: `host "${value}" is not a DNS name (optionally with a leading "*.")` };
  return { ok: true, host };
}

/** Whether a spec.tls host covers a rule host: equal, or a one-label wildcard. */
export function tlsHostCovers(tlsHost: string, ruleHost: string): boolean {
  if (tlsHost === ruleHost) return true;
  if (!tlsHost.startsWith('*.') || ruleHost.startsWith('*.')) return false;
  const suffix = tlsHost.slice(1);
  return ruleHost.endsWith(suffix) && !ruleHost.slice(0, -suffix.length).includes('.');
}
