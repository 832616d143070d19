// `serve -f`: the manifests, translated at start and again after every burst of file
// changes. Input that breaks later is logged and the previous translation keeps serving.
import { performance } from 'node:perf_hooks';
import { buildUpstreamEndpoints } from '@kupstream/core';
import type { ServeFlags } from '../args/args.js';
import { formatDiagnostic, servedCount, summarizeDiagnostics } from '../translate/diagnostics-summary.js';
import { errorMessage } from '../errors.js';
import { watchInputs, type InputWatcher } from '../manifests/file-watch.js';
import type { CliIo } from '../io.js';
import { loadManifests } from '../manifests/load-manifests.js';
import type { Logger } from '../log/log.js';
import type { ModelSource, ModelUpdate } from './model-source.js';
import { stdinReader } from '../manifests/read-source.js';
import { translateSnapshot } from '../translate/translate-model.js';

/** Editors save in bursts (write, rename, chmod): one reload per burst. */
export const RELOAD_DEBOUNCE_MS = 150;

export function fileModelSource(flags: ServeFlags, io: CliIo, log: Logger): ModelSource {
  const readStdin = stdinReader(io.stdin, io.signal);
  let watcher: InputWatcher | undefined;
  let reloads: Serialized | undefined;

  const translate = async (): Promise<ModelUpdate & { fingerprint: string }> => {
    const loaded = await loadManifests(flags.files, { namespace: flags.namespace, readStdin });
    const started = performance.now();
    const result = translateSnapshot(loaded.snapshot, flags, loaded.diagnostics);
    const endpoints = buildUpstreamEndpoints(loaded.snapshot, result.upstreams, { defaultNamespace: flags.namespace });
    return { result, endpoints, translationMs: performance.now() - started, fingerprint: loaded.fingerprint };
  };

  return {
    async start(apply) {
      const initial = await translate();
      reportDiagnostics(log, initial.result);
      apply(initial);
      let fingerprint = initial.fingerprint;
      let failing = false;
      reloads = serialize(async () => {
        try {
          const next = await translate();
          const recovered = failing;
          failing = false;
          if (next.fingerprint === fingerprint) {
            if (recovered) log.line('the input reads again and matches the running configuration; nothing to reload');
            return;
          }
          fingerprint = next.fingerprint;
          apply(next);
          log.line(`reloaded: serving ${servedCount(next.result)}`);
          reportDiagnostics(log, next.result);
        } catch (error) {
          // A half-saved or broken file must not take the running configuration down.
          failing = true;
          log.warn(`reload failed, still serving the previous configuration:\n${errorMessage(error)}`);
        }
      });
      watcher = watchInputs(flags.files, { debounceMs: RELOAD_DEBOUNCE_MS, onChange: reloads, onError: (message) => log.warn(message) });
    },
    async close() {
      watcher?.close();
      await reloads?.idle();
    },
  };
}

/** The summary line, then each error and warning at its own level (JSON logs carry it as `level`). */
export function reportDiagnostics(log: Logger, result: ModelUpdate['result']): void {
  const [summary] = summarizeDiagnostics(result.diagnostics);
  if (summary !== undefined) log.line(summary);
  for (const d of result.diagnostics) {
    if (d.severity === 'info') continue;
    const fields = { code: d.code, kind: d.resource.kind, namespace: d.resource.namespace, name: d.resource.name, field: d.field };
    (d.severity === 'error' ? log.error : log.warn)(`  ${formatDiagnostic(d)}`, fields);
  }
}

type Serialized = (() => void) & { idle(): Promise<void> };

/** Runs `task` one at a time; calls arriving while it runs collapse into one more run. */
function serialize(task: () => Promise<void>): Serialized {
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = task().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };
  return Object.assign(run, {
    idle: async () => {
      while (running) await running;
    },
  });
}
