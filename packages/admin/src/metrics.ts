// Prometheus metrics for the agent and the translator (issue 9), on a registry of our
// own so an embedding host's default registry is never polluted.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RunningTotals } from './running-totals.js';
import type { TranslationModel } from '@kupstream/core';
import type { TrafficFacts } from './traffic-facts.js';
import { createTrafficMetrics } from './traffic-metrics.js';

/** Connection pool facts for one upstream, as the agent reports them. */
export interface PoolStats {
  /** `Upstream.name` */
  upstream: string;
  /** Connections carrying a request now. */
  active: number;
  /** Connections kept alive, waiting. */
  idle: number;
  /** TLS handshakes since start: full, and resumed from a cached session. */
  handshakes?: { full: number; resumed: number };
}

/** One upstream's latest handshake probe, as the agent reports it (its `HandshakeVerdict`). */
export interface HandshakeFacts {
  /** `Upstream.name` */
  upstream: string;
  ok: boolean;
  /** The typed failure code, when not ok. */
  code?: string;
  /** ISO time of the probe. */
  at: string;
  /** ISO expiry of the client certificate presented, the earliest trusted CA, the server's leaf. */
  expiry: { client?: string; ca?: string; server?: string };
}

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop); default true. */
  defaultMetrics?: boolean;
}

export interface AdminMetrics {
  readonly registry: Registry;
  /** `endpoint`/`upstream` are model names; leave them out when unknown (label becomes ""). */
  recordRequest(request: { endpoint?: string | undefined; upstream?: string | undefined; status: number }): void;
  recordUpstreamFailure(failure: { upstream?: string | undefined; code: string }): void;
  /** Refreshes diagnostics and client certificate expiry from a newly loaded model. */
  setModel(model: TranslationModel): void;
  observeTranslation(ms: number): void;
  setLeader(leading: boolean): void;
  setPools(pools: readonly PoolStats[]): void;
  /** Replaces the handshake gauges with the latest probe verdicts. */
  setHandshakes(verdicts: readonly HandshakeFacts[]): void;
  /** Endpoints by state and the ejection, readmission, overflow and health-check counters (`proxy.stats().traffic`). */
  setTraffic(traffic: readonly TrafficFacts[]): void;
  /** Worker processes by state, and their restarts (`serve --workers N`). */
  setWorkers(workers: readonly WorkerFacts[]): void;
  /** Prometheus text exposition of everything registered. */
  text(): Promise<string>;
}

/** What the worker metrics need of a worker (the API's `WorkerView` is one). */
export interface WorkerFacts {
  slot: number;
  state: string;
  restarts: number;
}

export function createMetrics(options: MetricsOptions = {}): AdminMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'kupstream_requests_total',
    help: 'Requests the agent answered, by endpoint, upstream and HTTP status code (0: the client left before a response).',
    labelNames: ['endpoint', 'upstream', 'code'] as const,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'kupstream_upstream_failures_total',
    help: 'Upstream failures by upstream and x-kupstream-error code.',
    labelNames: ['upstream', 'code'] as const,
    registers: [registry],
  });
  const translation = new Histogram({
    name: 'kupstream_translation_duration_seconds',
    help: 'Time to translate the input into the model.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const diagnostics = new Gauge({
    name: 'kupstream_diagnostics',
    help: 'Diagnostics of the current model by severity and code.',
    labelNames: ['severity', 'code'] as const,
    registers: [registry],
  });
  const notAfter = new Gauge({
    name: 'kupstream_client_certificate_not_after_seconds',
    help: 'notAfter of the client certificate each upstream presents, in seconds since the Unix epoch (alert before it passes).',
    labelNames: ['upstream', 'secret', 'subject'] as const,
    registers: [registry],
  });
  const leader = new Gauge({
    name: 'kupstream_leader',
    help: '1 when this replica holds the status-writer lease (or runs without election), else 0.',
    registers: [registry],
  });
  const endpoints = new Gauge({ name: 'kupstream_endpoints', help: 'Endpoints in the current model.', registers: [registry] });
  const upstreams = new Gauge({ name: 'kupstream_upstreams', help: 'Upstreams in the current model.', registers: [registry] });
  const poolConnections = new Gauge({
    name: 'kupstream_upstream_pool_connections',
    help: 'Pooled upstream connections by state (active, idle).',
    labelNames: ['upstream', 'state'] as const,
    registers: [registry],
  });
  const handshakes = new Counter({
    name: 'kupstream_upstream_tls_handshakes_total',
    help: 'Upstream TLS handshakes by kind (full, resumed).',
    labelNames: ['upstream', 'kind'] as const,
    registers: [registry],
  });
  const totals = new RunningTotals();
  const advance = (upstream: string, kind: 'full' | 'resumed', total: number) => totals.advance(handshakes, { upstream, kind }, total);
  const handshakeOk = new Gauge({
    name: 'kupstream_upstream_handshake_ok',
    help: '1 when the last handshake probe of the upstream (serve --probe-upstreams) passed, 0 when it failed with `code`.',
    labelNames: ['upstream', 'code'] as const,
    registers: [registry],
  });
  const handshakeExpiry = new Gauge({
    name: 'kupstream_upstream_certificate_not_after_seconds',
    help: 'notAfter seen by the last handshake probe, in seconds since the Unix epoch: the client certificate presented, the earliest trusted CA, the server leaf.',
    labelNames: ['upstream', 'certificate'] as const,
    registers: [registry],
  });
  const workerCount = new Gauge({
    name: 'kupstream_workers',
    help: 'Worker processes (serve --workers N) by state: starting, serving, exited (replacement due), stopping.',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const workerRestarts = new Counter({
    name: 'kupstream_worker_restarts_total',
    help: 'Worker processes replaced after they exited (serve --workers N).',
    registers: [registry],
  });
  const restartsSeen = new Map<number, number>();
  const traffic = createTrafficMetrics(registry);
  leader.set(1);

  return {
    registry,
    recordRequest({ endpoint, upstream, status }) {
      requests.inc({ endpoint: endpoint ?? '', upstream: upstream ?? '', code: String(status) });
    },
    recordUpstreamFailure({ upstream, code }) {
      failures.inc({ upstream: upstream ?? '', code });
    },
    setHandshakes(verdicts) {
      handshakeOk.reset();
      handshakeExpiry.reset();
      for (const v of verdicts) {
        handshakeOk.set({ upstream: v.upstream, code: v.ok ? '' : (v.code ?? 'failed') }, v.ok ? 1 : 0);
        for (const certificate of ['client', 'ca', 'server'] as const) {
          const at = Date.parse(v.expiry[certificate] ?? '');
          if (!Number.isNaN(at)) handshakeExpiry.set({ upstream: v.upstream, certificate }, Math.floor(at / 1000));
        }
      }
    },
    setTraffic(facts) {
      traffic.setTraffic(facts);
    },
    setWorkers(workers) {
      workerCount.reset();
      const byState = new Map<string, number>();
      for (const w of workers) {
        byState.set(w.state, (byState.get(w.state) ?? 0) + 1);
        const delta = w.restarts - (restartsSeen.get(w.slot) ?? 0);
        if (delta > 0) workerRestarts.inc(delta);
        restartsSeen.set(w.slot, Math.max(w.restarts, restartsSeen.get(w.slot) ?? 0));
      }
      for (const [state, n] of byState) workerCount.set({ state }, n);
    },
    setModel(model) {
      // Reset first: a diagnostic or certificate that left the model must leave the metrics too.
      diagnostics.reset();
      const counts = new Map<string, { severity: string; code: string; n: number }>();
      for (const d of model.diagnostics) {
        const key = `${d.severity}\u0000${d.code}`;
        const entry = counts.get(key) ?? { severity: d.severity, code: d.code, n: 0 };
        entry.n++;
        counts.set(key, entry);
      }
      for (const { severity, code, n } of counts.values()) diagnostics.set({ severity, code }, n);
      notAfter.reset();
      for (const u of model.upstreams) {
        const cert = u.tls?.clientCertificate;
        if (!cert) continue;
        const ms = Date.parse(cert.notAfter);
        if (Number.isNaN(ms)) continue;
        notAfter.set({ upstream: u.name, secret: `${cert.secret.namespace}/${cert.secret.name}`, subject: cert.subject }, ms / 1000);
      }
      endpoints.set(model.endpoints.length);
      upstreams.set(model.upstreams.length);
    },
    observeTranslation(ms) {
      translation.observe(ms / 1000);
    },
    setLeader(leading) {
      leader.set(leading ? 1 : 0);
    },
    setPools(pools) {
      poolConnections.reset();
      for (const p of pools) {
        poolConnections.set({ upstream: p.upstream, state: 'active' }, p.active);
        poolConnections.set({ upstream: p.upstream, state: 'idle' }, p.idle);
        if (p.handshakes) {
          advance(p.upstream, 'full', p.handshakes.full);
          advance(p.upstream, 'resumed', p.handshakes.resumed);
        }
      }
    },
    text() {
      return registry.metrics();
    },
  };
}
