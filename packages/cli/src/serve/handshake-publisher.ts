// What serve shows of each model on the admin server: the translation's statuses with the
// handshake truth joined in — the verdicts of `--probe-upstreams` and the active health checks'
// refusals of our identity or trust, one verdict per upstream — as the UpstreamHandshake
// condition, the inspector's badge and log lines. One for the single-process serve and one for
// the primary of `--workers`, which reads the workers' merged traffic instead of a proxy's.
import {
  HandshakeProber,
  healthCheckHandshakes,
  mergeHandshakeVerdicts,
  UpstreamDenyList,
  withHandshakeConditions,
  type HealthCheckReport,
  type Resolve,
  type UpstreamDenyOptions,
} from '@kupstream/agent';
import type { AdminRuntime } from '@kupstream/admin';
import type { CredentialStore } from '@kupstream/core';
import { createTranslationResult } from '@kupstream/core/building-blocks';
import type { TranslationResult } from '@kupstream/core';
import type { Logger } from '../log/log.js';
import type { ModelUpdate } from './model-source.js';

export interface HandshakePublisherOptions {
  /** `--probe-upstreams`: how often each TLS upstream is dialed with its identity; no prober without it. */
  probeIntervalMs: number | undefined;
  credentials: CredentialStore;
  resolve: Resolve;
  denyUpstreams: UpstreamDenyOptions;
  /** The endpoints' health as `proxy.stats().traffic` reports it (the workers' merged, with --workers). */
  traffic: () => readonly HealthCheckReport[];
  admin: () => AdminRuntime | undefined;
  log: Logger;
  /** The verdicts changed (an upstream's handshake passed or failed, or its code changed): a cluster source translates again. */
  onVerdictsChanged?: () => void;
}

export interface HandshakePublisher {
  /** A new model: shown at once, and probed from now on. */
  show(update: ModelUpdate): void;
  /** The health checks' verdicts may have changed: shown again (and `onVerdictsChanged` when they did). */
  refresh(): void;
  /** The result with the current verdicts as the UpstreamHandshake condition of its statuses (what a cluster source writes). */
  join(result: TranslationResult): TranslationResult;
  /** The model shown last. */
  readonly latest: ModelUpdate | undefined;
  close(): void;
}

export function createHandshakePublisher(options: HandshakePublisherOptions): HandshakePublisher {
  const { probeIntervalMs, credentials, resolve, denyUpstreams, traffic, admin, log } = options;
  const prober =
    probeIntervalMs !== undefined
      ? new HandshakeProber({ credentials, resolve, deny: new UpstreamDenyList(denyUpstreams), intervalMs: probeIntervalMs })
      : undefined;
  let latest: ModelUpdate | undefined;
  const handshakes = () => mergeHandshakeVerdicts(prober?.verdicts, healthCheckHandshakes(traffic()));
  const join = (result: TranslationResult): TranslationResult => {
    const verdicts = handshakes();
    if (verdicts.size === 0) return result;
    const statuses = withHandshakeConditions(result, verdicts, new Date());
    return createTranslationResult({ ...result, statuses }, result.credentials, result.translatedAt);
  };
  const publish = () => {
    if (!latest) return;
    const { result, translationMs } = latest;
    admin()?.setModel(join(result), { translationMs, credentials: result.credentials });
  };
  let verdictsKey = '';
  const refresh = () => {
    const verdicts = handshakes();
    admin()?.setHandshakes(verdicts.values());
    publish();
    const key = JSON.stringify([...verdicts.values()].map((v) => [v.upstream, v.ok, v.code ?? '']));
    if (key === verdictsKey) return;
    verdictsKey = key;
    options.onVerdictsChanged?.();
  };
  prober?.on('change', (verdicts) => {
    for (const verdict of verdicts.values())
      if (!verdict.ok) log.warn(`upstream ${verdict.upstream}: TLS handshake failed: ${verdict.code ?? 'failed'}`);
    refresh();
  });
  return {
    show(update) {
      latest = update;
      publish();
      prober?.update(update.result);
    },
    refresh,
    join,
    get latest() {
      return latest;
    },
    close: () => prober?.close(),
  };
}
