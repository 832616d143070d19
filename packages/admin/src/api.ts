// The inspector's JSON API views (documented in README.md beside this file). Built from
// the model on every call: the model is small and swapped atomically, so there is no
// cache to go stale. Views carry public facts only; key material never reaches them.
import type {
  CertificateInfo,
  Condition,
  Diagnostic,
  Endpoint,
  ResourceRef,
  ResourceStatus,
  SubjectAltName,
  TranslationModel,
  Upstream,
} from '@kupstream/core';
import type { HandshakeFacts, PoolStats } from './metrics.js';
import { endpointState, type EndpointFacts, type EndpointState, type TrafficFacts } from './traffic-facts.js';
import { EXPIRY_WARNING_DAYS } from '@kupstream/core/building-blocks';
import type { RequestLog, RequestRecord } from './request-log.js';

/** What the host tells the admin server on every call. */
export interface AdminState {
  /** Undefined until the first translation finished. */
  model: TranslationModel | undefined;
  /** Initial sync done (files read, or informers synced). */
  ready: boolean;
  /** From `CredentialStore.summary()`: keys and versions, never material. */
  credentialsSummary?: { clients: { key: string; version: number }[]; caBundles: string[] };
  pools?: readonly PoolStats[];
  /**
   * The last certificate-verification failure of each upstream (from the proxy's
   * `upstreamError` events and failed handshake probes), with its handshake count at the time.
   */
  verificationFailures?: ReadonlyMap<string, VerificationFailure>;
  /** Latest handshake probe per upstream (serve --probe-upstreams), when probing. */
  handshakes?: ReadonlyMap<string, HandshakeFacts>;
  /** The worker processes serving traffic (`serve --workers N`), when the host runs them. */
  workers?: readonly WorkerView[];
  /** Endpoints and their health per upstream (`proxy.stats().traffic`), when the host reports them. */
  traffic?: readonly TrafficFacts[];
}

/** One worker process of a host that serves with several (`serve --workers N`). */
export interface WorkerView {
  /** 1..N; a restarted worker takes the slot of the one it replaces. */
  slot: number;
  pid: number;
  /**
   * `starting`: forked, no model or not listening yet; `serving`: takes connections;
   * `exited`: gone, its replacement is due (`pid` is the process that exited); `stopping`: draining.
   */
  state: 'starting' | 'serving' | 'exited' | 'stopping';
  /** How many times this slot's process was replaced after it exited. */
  restarts: number;
  /** ISO time the current process was started. */
  startedAt: string;
}

export interface VerificationFailure {
  /** The UpstreamError code, e.g. `certificate_untrusted`, `hostname_mismatch`. */
  code: string;
  /** Full + resumed handshakes of the upstream's pool when it failed. */
  handshakes: number;
  /** ISO time of the failure. */
  at: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export interface StatusView {
  ready: boolean;
  modelLoaded: boolean;
  endpoints: number;
  upstreams: number;
  diagnostics: Record<Diagnostic['severity'], number>;
  requests: { size: number; capacity: number; captureBodies: boolean; maxBodyBytes: number };
  credentials?: AdminState['credentialsSummary'];
  workers?: readonly WorkerView[];
}

export interface VerificationView {
  mode: 'none' | 'ca' | 'system';
  /** The server certificate is checked (`ca`, `system`); false for `none`: encrypted only. */
  checked: boolean;
  /**
   * A handshake passed the check since the last verification failure, a request's or a
   * probe's: what the badge says. False while checking is on but no handshake happened
   * yet, and after a failure.
   */
  verified: boolean;
  /** The code of a verification failure not followed by a passing handshake. */
  failure?: string;
  hostname?: string;
  subjectAltNames?: SubjectAltName[];
  /** `ca`: digest of the CA bundle. */
  caSha256?: string;
  /** Where the trust comes from (the BackendTLSPolicy), for `ca` and `system`. */
  source?: ResourceRef;
  /** The last handshake probe (`serve --probe-upstreams`), when probing. */
  handshake?: { result: 'passed' | 'failed'; code?: string; at: string };
}

export interface ClientCertificateView extends CertificateInfo {
  /** Whole days until notAfter (negative once expired). */
  daysToExpiry: number;
  /** Under EXPIRY_WARNING_DAYS days left. */
  expiresSoon: boolean;
}

export interface UpstreamView {
  name: string;
  url: string;
  protocol: Upstream['protocol'];
  proxyProtocolVersion?: 1 | 2;
  service?: Upstream['service'];
  unavailable?: Upstream['unavailable'];
  /** Endpoints with a route that sends traffic here. */
  usedBy: string[];
  tls?: {
    serverName: string;
    alpn: string[];
    minVersion: string;
    verification: VerificationView;
    clientCertificate?: ClientCertificateView;
  };
  pool?: PoolStats;
  /** The EndpointSlice endpoints dialed, with their health (absent: no slice known, or not reported). */
  endpoints?: EndpointView[];
  /** Running counts since the upstream entered the model (when the host reports traffic). */
  traffic?: { overflows: number; ejections: number; readmissions: number; healthChecks?: TrafficFacts['healthChecks'] };
}

export interface EndpointView {
  /** `host:port` (IPv6 in brackets). */
  endpoint: string;
  state: EndpointState;
  /** ISO time an outlier ejection ends. */
  ejectedUntil?: string;
  /** The latest active health check, when the upstream has them. */
  lastCheck?: NonNullable<EndpointFacts['lastCheck']>;
  inFlight?: number;
}

export type RequestSummary = Omit<RequestRecord, 'requestHeaders' | 'responseHeaders' | 'requestBody' | 'responseBody'>;

export interface ScopedCondition extends Condition {
  /** Where in the status it sits: "" (the object), `listener NAME`, `parent KIND NS/NAME`, `ancestor KIND NS/NAME`. */
  scope: string;
}

export interface ResourceStatusView {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  conditions: ScopedCondition[];
  /** The status object as it would be PATCHed. */
  status: Record<string, unknown>;
}

export function statusView(state: AdminState, log: RequestLog): StatusView {
  const model = state.model;
  const diagnostics = { error: 0, warning: 0, info: 0 };
  for (const d of model?.diagnostics ?? []) diagnostics[d.severity]++;
  return {
    ready: state.ready,
    modelLoaded: model !== undefined,
    endpoints: model?.endpoints.length ?? 0,
    upstreams: model?.upstreams.length ?? 0,
    diagnostics,
    requests: { size: log.size, capacity: log.capacity, captureBodies: log.captureBodies, maxBodyBytes: log.maxBodyBytes },
    ...(state.credentialsSummary ? { credentials: state.credentialsSummary } : {}),
    ...(state.workers ? { workers: state.workers } : {}),
  };
}

export function endpointsView(model: TranslationModel | undefined): { endpoints: Endpoint[] } {
  return { endpoints: model?.endpoints ?? [] };
}

export function upstreamsView(
  model: TranslationModel | undefined,
  pools: readonly PoolStats[] | undefined,
  now: Date,
  failures?: ReadonlyMap<string, VerificationFailure>,
  handshakes?: ReadonlyMap<string, HandshakeFacts>,
  traffic?: readonly TrafficFacts[],
): { upstreams: UpstreamView[] } {
  if (!model) return { upstreams: [] };
  const usedBy = new Map<string, Set<string>>();
  for (const e of model.endpoints) {
    for (const r of e.routes) {
      for (const b of r.backends) {
        const users = usedBy.get(b.upstream) ?? new Set<string>();
        users.add(e.name);
        usedBy.set(b.upstream, users);
      }
    }
  }
  const poolOf = new Map((pools ?? []).map((p) => [p.upstream, p]));
  const trafficOf = new Map((traffic ?? []).map((t) => [t.upstream, t]));
  return {
    upstreams: model.upstreams.map((u) => {
      const pool = poolOf.get(u.name);
      const view: UpstreamView = {
        name: u.name,
        url: u.url,
        protocol: u.protocol,
        ...(u.proxyProtocolVersion !== undefined ? { proxyProtocolVersion: u.proxyProtocolVersion } : {}),
        ...(u.service ? { service: u.service } : {}),
        ...(u.unavailable ? { unavailable: u.unavailable } : {}),
        usedBy: [...(usedBy.get(u.name) ?? [])].sort(),
        ...(pool ? { pool } : {}),
        ...trafficView(trafficOf.get(u.name)),
      };
      if (u.tls) {
        view.tls = {
          serverName: u.tls.serverName,
          alpn: u.tls.alpn,
          minVersion: u.tls.minVersion,
          verification: verificationView(u.tls.verification, pool, failures?.get(u.name), handshakes?.get(u.name)),
          ...(u.tls.clientCertificate ? { clientCertificate: certificateView(u.tls.clientCertificate, now) } : {}),
        };
      }
      return view;
    }),
  };
}

function trafficView(t: TrafficFacts | undefined): Pick<UpstreamView, 'endpoints' | 'traffic'> {
  if (!t) return {};
  return {
    ...(t.endpoints
      ? {
          endpoints: t.endpoints.map((e) => ({
            endpoint: e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`,
            state: endpointState(e),
            ...(e.ejectedUntil ? { ejectedUntil: e.ejectedUntil } : {}),
            ...(e.lastCheck
              ? {
                  lastCheck: {
                    outcome: e.lastCheck.outcome,
                    ...(e.lastCheck.code ? { code: e.lastCheck.code } : {}),
                    ...(e.lastCheck.status !== undefined ? { status: e.lastCheck.status } : {}),
                    ...(e.lastCheck.message ? { message: e.lastCheck.message } : {}),
                    at: e.lastCheck.at,
                  },
                }
              : {}),
            ...(e.inFlight !== undefined ? { inFlight: e.inFlight } : {}),
          })),
        }
      : {}),
    traffic: {
      overflows: t.overflows,
      ejections: t.ejections,
      readmissions: t.readmissions ?? 0,
      ...(t.healthChecks ? { healthChecks: t.healthChecks } : {}),
    },
  };
}

/** Full + resumed TLS handshakes of a pool (0 when unknown). */
export function handshakeCount(pool: PoolStats | undefined): number {
  return (pool?.handshakes?.full ?? 0) + (pool?.handshakes?.resumed ?? 0);
}

/**
 * "Verified" means a real handshake passed the check since the last verification failure:
 * a request's (the pool's handshake count grew) or a probe's (newer than the failure).
 */
function verificationView(
  v: NonNullable<Upstream['tls']>['verification'],
  pool: PoolStats | undefined,
  failure: VerificationFailure | undefined,
  probe: HandshakeFacts | undefined,
): VerificationView {
  const handshake = probe
    ? {
        handshake: {
          result: probe.ok ? ('passed' as const) : ('failed' as const),
          ...(probe.code ? { code: probe.code } : {}),
          at: probe.at,
        },
      }
    : {};
  if (v.mode === 'none') return { mode: 'none', checked: false, verified: false, ...handshake };
  const passedByTraffic = handshakeCount(pool) - (failure?.handshakes ?? 0) > 0;
  const passedByProbe = probe?.ok === true && (failure === undefined || probe.at >= failure.at);
  const verified = passedByTraffic || passedByProbe;
  const common = {
    checked: true,
    verified,
    ...(failure && !verified ? { failure: failure.code } : {}),
    ...handshake,
    hostname: v.hostname,
    ...(v.subjectAltNames ? { subjectAltNames: v.subjectAltNames } : {}),
    source: v.source,
  };
  return v.mode === 'ca' ? { mode: 'ca', ...common, caSha256: v.caSha256 } : { mode: 'system', ...common };
}

/** Copies the public fields by name, so nothing else a certificate object might carry slips through. */
export function certificateView(c: CertificateInfo, now: Date): ClientCertificateView {
  const notAfter = Date.parse(c.notAfter);
  const daysToExpiry = Number.isNaN(notAfter) ? Number.NaN : Math.floor((notAfter - now.getTime()) / DAY_MS);
  return {
    secret: { namespace: c.secret.namespace, name: c.secret.name },
    subject: c.subject,
    issuer: c.issuer,
    notAfter: c.notAfter,
    sha256: c.sha256,
    daysToExpiry,
    expiresSoon: !(daysToExpiry >= EXPIRY_WARNING_DAYS),
  };
}

export function requestSummary(r: RequestRecord): RequestSummary {
  const { requestHeaders: _q, responseHeaders: _s, requestBody: _qb, responseBody: _sb, ...summary } = r;
  return summary;
}

export function diagnosticsView(model: TranslationModel | undefined): { diagnostics: Diagnostic[]; statuses: ResourceStatusView[] } {
  return {
    diagnostics: model?.diagnostics ?? [],
    statuses: (model?.statuses ?? []).map((s) => ({
      apiVersion: s.apiVersion,
      kind: s.kind,
      ...(s.namespace !== undefined ? { namespace: s.namespace } : {}),
      name: s.name,
      conditions: scopedConditions(s),
      status: s.status,
    })),
  };
}

/** Flattens the Gateway API's nesting (listeners[], parents[], ancestors[]) into one list. */
export function scopedConditions(s: ResourceStatus): ScopedCondition[] {
  const out: ScopedCondition[] = [];
  const take = (conditions: unknown, scope: string) => {
    if (!Array.isArray(conditions)) return;
    for (const c of conditions) if (isCondition(c)) out.push({ ...c, scope });
  };
  take(s.status.conditions, '');
  for (const l of records(s.status.listeners)) take(l.conditions, `listener ${String(l.name ?? '')}`);
  for (const p of records(s.status.parents)) take(p.conditions, `parent ${refText(p.parentRef, s.namespace)}`);
  for (const a of records(s.status.ancestors)) take(a.conditions, `ancestor ${refText(a.ancestorRef, s.namespace)}`);
  return out;
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v))
    : [];
}

function refText(ref: unknown, defaultNamespace: string | undefined): string {
  if (typeof ref !== 'object' || ref === null) return '?';
  const r = ref as Record<string, unknown>;
  const ns = typeof r.namespace === 'string' ? r.namespace : (defaultNamespace ?? '');
  const section = typeof r.sectionName === 'string' ? `/${r.sectionName}` : '';
  return `${String(r.kind ?? 'Gateway')} ${ns ? `${ns}/` : ''}${String(r.name ?? '')}${section}`;
}

function isCondition(c: unknown): c is Condition {
  if (typeof c !== 'object' || c === null) return false;
  const r = c as Record<string, unknown>;
  return typeof r.type === 'string' && typeof r.status === 'string' && typeof r.reason === 'string';
}
