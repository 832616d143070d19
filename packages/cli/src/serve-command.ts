// `kupstream serve`: translate, hand the model and its credentials to the agent's proxy,
// serve it on one HTTP listener, re-translate on file changes, stop on the signal.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxy } from '@kupstream/agent';
import type { TranslationResult } from '@kupstream/core';
import type { ServeFlags } from './args.js';
import { httpEndpointCount, summarizeDiagnostics } from './diagnostics-summary.js';
import { StartupError, errorMessage } from './errors.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import { watchInputs } from './file-watch.js';
import { writeOut, type CliIo } from './io.js';
import { loadManifests } from './load-manifests.js';
import { createLogger, type Logger } from './log.js';
import { stdinReader } from './read-source.js';
import { resolveFromOverrides } from './resolve-overrides.js';
import { translateSnapshot } from './translate-model.js';
import { upstreamErrorLogger } from './upstream-error-log.js';

/** Editors save in bursts (write, rename, chmod): one reload per burst. */
export const RELOAD_DEBOUNCE_MS = 150;
/** In-flight requests get this long to finish on shutdown before connections are cut. */
export const SHUTDOWN_GRACE_MS = 5000;

export async function runServe(flags: ServeFlags, io: CliIo): Promise<ExitCodeValue> {
  const log = createLogger(io.stderr);
  const readStdin = stdinReader(io.stdin, io.signal);
  const translate = async () => {
    const loaded = await loadManifests(flags.files, { namespace: flags.namespace, readStdin });
    return { fingerprint: loaded.fingerprint, result: translateSnapshot(loaded.snapshot, flags, loaded.diagnostics) };
  };

  const initial = await translate();
  reportTranslation(log, initial.result);
  const proxy = createProxy({ model: initial.result, credentials: initial.result.credentials, resolve: resolveFromOverrides(flags.resolve) });
  proxy.on('upstreamError', upstreamErrorLogger(log));
  const server = createServer();
  proxy.attach(server);
  try {
    await listen(server, flags);
  } catch (error) {
    await proxy.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  await writeOut(io.stdout, `kupstream: serving ${servedCount(initial.result)} on ${url}\n`);

  let fingerprint = initial.fingerprint;
  let failing = false;
  const reloads = serialize(async () => {
    try {
      const next = await translate();
      const recovered = failing;
      failing = false;
      if (next.fingerprint === fingerprint) {
        if (recovered) log.line('the input reads again and matches the running configuration; nothing to reload');
        return;
      }
      fingerprint = next.fingerprint;
      proxy.update(next.result, next.result.credentials);
      log.line(`reloaded: serving ${servedCount(next.result)}`);
      reportTranslation(log, next.result);
    } catch (error) {
      // A half-saved or broken file must not take the running configuration down.
      failing = true;
      log.line(`reload failed, still serving the previous configuration:\n${errorMessage(error)}`);
    }
  });
  const watcher = watchInputs(flags.files, { debounceMs: RELOAD_DEBOUNCE_MS, onChange: reloads, onError: (message) => log.line(message) });

  await untilAborted(io.signal);
  log.line('stopping');
  watcher.close();
  await reloads.idle();
  await stop(server, proxy);
  log.line('stopped');
  return ExitCode.ok;
}

function servedCount(result: TranslationResult): string {
  const { served, notServed } = httpEndpointCount(result);
  const extra = notServed.length ? ` (not served here: ${notServed.join(', ')})` : '';
  return `${served} endpoint${served === 1 ? '' : 's'}${extra}`;
}

function reportTranslation(log: Logger, result: TranslationResult): void {
  for (const line of summarizeDiagnostics(result.diagnostics)) log.line(line);
}

function listen(server: Server, flags: ServeFlags): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the address is in use' : error.code === 'EADDRNOTAVAIL' ? 'the address is not local' : error.code === 'EACCES' ? 'permission denied' : error.message;
      reject(new StartupError(`cannot listen on ${flags.listen.host}:${flags.listen.port}: ${why}`));
    };
    server.once('error', onError);
    server.listen(flags.listen.port, flags.listen.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

async function stop(server: Server, proxy: { close(): Promise<void> }): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const grace = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
  await proxy.close();
  server.closeAllConnections();
  await closed;
  clearTimeout(grace);
}

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return; // no way to be stopped: serve until the process ends
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Runs `task` one at a time; calls arriving while it runs collapse into one more run. */
function serialize(task: () => Promise<void>): (() => void) & { idle(): Promise<void> } {
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
  return Object.assign(run, { idle: async () => { while (running) await running; } });
}
