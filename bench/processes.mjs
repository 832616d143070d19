// Everything the data-plane suite starts (child processes, temp dirs) is registered here
// and torn down in `cleanup()`: from the suite's `finally`, and on SIGINT/SIGTERM, so an
// interrupted `pnpm bench` leaves no nginx or proxy behind and no key material on disk.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** child → its stop(): what is still running. */
const children = new Map();
const dirs = new Set();

export async function tempDir(prefix) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/**
 * Spawns a child that `cleanup()` will kill; `stop()` ends it (the signal, then SIGKILL).
 * Each child leads its own process group, and kills go to the group: an nginx master killed
 * on its own would leave its workers running.
 */
export function spawnTracked(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.once('error', () => children.delete(child));
  exited.then(() => {
    // A leader that died on its own may leave members behind; nobody else can hold its group id yet.
    killGroup(child);
    children.delete(child);
  });
  const stop = async (signal = 'SIGTERM', graceMs = 5000) => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      // The graceful signal goes to the leader only: it winds down its own workers.
      child.kill(signal);
      const timer = setTimeout(() => killGroup(child), graceMs);
      await exited;
      clearTimeout(timer);
    }
  };
  children.set(child, stop);
  return { child, exited, stop };
}

function killGroup(child) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** Synchronous so it also works from 'exit'. */
export function cleanup() {
  for (const child of children.keys()) killGroup(child);
  children.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** On a signal: stop everything gracefully first, so nginx reaps its own workers. */
async function stopAll() {
  await Promise.all([...children.values()].map((stop) => stop('SIGTERM', 2000)));
  cleanup();
}

/** Installs signal handlers for the duration of `fn`, then cleans up whatever happened. */
export async function withCleanup(fn) {
  const onSignal = (signal) => {
    stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', cleanup);
  try {
    return await fn();
  } finally {
    cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', cleanup);
  }
}

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts on the port; rejects when the child exits first. */
export async function waitForPort(port, child, describeExit = async () => '') {
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`process exited (${child.exitCode ?? child.signalCode}) before listening on ${port}: ${await describeExit()}`);
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after 15 s`);
    const ok = await new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
