// Active health checks as handshake truth: an endpoint check that completed a TLS handshake,
// or that our identity or trust was refused on, says what a handshake probe would. Turned
// into `HandshakeVerdict`s per upstream, they feed the same `kupstream.dev/UpstreamHandshake`
// condition, metrics and "verified" badge as `serve --probe-upstreams` (withHandshakeConditions).
import type { HandshakeVerdict } from '../handshake-probe.js';

/** What is read of `stats().traffic` (or a copy of it sent between processes). */
export interface HealthCheckReport {
  upstream: string;
  endpoints?: readonly {
    address: string;
    port: number;
    lastCheck?: { outcome: string; code?: string; handshake?: boolean; message?: string; at: string };
  }[];
}

/**
 * One verdict per upstream whose endpoints' latest checks say something of the handshake:
 * failed (the code of the first endpoint refused, by address) when any endpoint rejected our
 * identity or trust; else passed when any completed a handshake. Endpoints that were merely
 * down say nothing and give no verdict.
 */
export function healthCheckHandshakes(traffic: readonly HealthCheckReport[]): HandshakeVerdict[] {
  const out: HandshakeVerdict[] = [];
  for (const upstream of traffic) {
    let rejected: HandshakeVerdict | undefined;
    let passed: HandshakeVerdict | undefined;
    for (const e of upstream.endpoints ?? []) {
      const check = e.lastCheck;
      if (!check) continue;
      if (check.outcome === 'rejected' && check.code && !rejected) {
        rejected = {
          upstream: upstream.upstream,
          ok: false,
          code: check.code as NonNullable<HandshakeVerdict['code']>,
          message: `health check of ${e.address}:${e.port}: ${check.message ?? check.code}`,
          at: check.at,
          expiry: {},
        };
      } else if (check.handshake && (!passed || check.at > passed.at)) {
        passed = { upstream: upstream.upstream, ok: true, at: check.at, expiry: {} };
      }
    }
    const verdict = rejected ?? passed;
    if (verdict) out.push(verdict);
  }
  return out;
}

/**
 * The prober's verdicts with the health checks' added: per upstream a failure wins (any
 * refusal makes the condition False), else the latest.
 */
export function mergeHandshakeVerdicts(
  probed: ReadonlyMap<string, HandshakeVerdict> | undefined,
  checked: readonly HandshakeVerdict[],
): Map<string, HandshakeVerdict> {
  const out = new Map(probed ?? []);
  for (const verdict of checked) {
    const known = out.get(verdict.upstream);
    if (!known || (known.ok && (!verdict.ok || verdict.at > known.at))) out.set(verdict.upstream, verdict);
  }
  return out;
}
