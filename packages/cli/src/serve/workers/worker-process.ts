// The life of one `serve --workers N` worker process: it waits for its configuration, builds
// its data plane, applies every model the primary sends and starts listening after the first
// (so it answers only once it has one), and drains when the primary says so or goes away.
// Signals are the primary's to act on: a terminal's Ctrl-C reaches the whole process group.
import { StartupError, errorMessage } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { createLogger, type Logger } from '../../log/log.js';
import { WorkerDataPlane } from './worker-data-plane.js';
import { isPrimaryMessage, unpackModel, WORKER_DEFAULTS, type PrimaryMessage, type WorkerMessage } from '@kupstream/workers';
import type { ServeWorkerSettings } from './serve-worker-config.js';
import { workerLogger } from './worker-log.js';

export function runServeWorker(): void {
  let log: Logger = createLogger(process.stderr);
  let plane: WorkerDataPlane | undefined;
  let listening = false;
  let stopping: Promise<void> | undefined;
  let statsTimer: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();

  const send = (message: WorkerMessage, then?: () => void): void => {
    if (!process.connected || !process.send) return void then?.();
    // A closed channel (the primary is gone) is not an error here: 'disconnect' handles it.
    process.send(message, undefined, {}, () => then?.());
  };

  const exit = (code: number) => {
    clearInterval(statsTimer);
    process.exitCode = code;
    if (process.connected) process.disconnect();
    // Whatever handle might linger, the worker is done.
    setTimeout(() => process.exit(code), 100).unref();
  };

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      clearInterval(statsTimer);
      const { cut } = plane ? await plane.stop() : { cut: false };
      await new Promise<void>((resolve) => send({ type: 'drained', cut }, resolve));
      exit(ExitCode.ok);
    })());

  const handle = async (message: PrimaryMessage<ServeWorkerSettings>): Promise<void> => {
    if (stopping) return;
    switch (message.type) {
      case 'config': {
        const { config } = message;
        log = await workerLogger(config.logFormat, config.slot);
        plane = await WorkerDataPlane.create(config, log, (m) => send(m));
        if (config.admin) {
          const current = plane;
          statsTimer = setInterval(
            () => send({ type: 'stats', pools: current.pools(), traffic: current.traffic() }),
            WORKER_DEFAULTS.statsIntervalMs,
          );
          statsTimer.unref();
        }
        return;
      }
      case 'model': {
        if (!plane) return;
        const { result, serviceEndpoints } = unpackModel(message.model);
        plane.apply({ result, endpoints: serviceEndpoints });
        if (listening) return;
        listening = true;
        try {
          const urls = await plane.listen();
          send({ type: 'listening', ...urls });
        } catch (error) {
          if (!(error instanceof StartupError)) throw error;
          // The address is in use, not local...: the primary reports it and stops.
          await new Promise<void>((resolve) => send({ type: 'startup-failed', message: error.message }, resolve));
          exit(error.exitCode);
        }
        return;
      }
      case 'drain':
        return stop();
    }
  };

  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => undefined);
  process.on('message', (message: unknown) => {
    if (!isPrimaryMessage<ServeWorkerSettings>(message)) return;
    queue = queue.then(() => handle(message)).catch(lastResort);
  });
  // The primary is gone (killed, or exited at a second signal): drain what is left and go.
  process.on('disconnect', () => void stop());
  const lastResort = (error: unknown) => {
    // A bug: one line, no stack (it could quote input); the primary replaces this worker.
    log.error(`internal error: ${errorMessage(error).split('\n')[0] ?? ''} (please report this)`);
    process.exit(ExitCode.internal);
  };
  process.on('uncaughtException', lastResort);
  process.on('unhandledRejection', lastResort);
  // Messages that arrive before a 'message' listener are lost: the primary waits for this one.
  send({ type: 'ready' });
}
