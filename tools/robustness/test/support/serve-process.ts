// `kupstream serve` as a long-running child process of the real binary, observed from
// outside: its pid, its listening port, its RSS and open descriptors from /proc, and its
// /metrics. Stopping is SIGTERM, then SIGKILL if it does not end in time.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { CLI } from './cli.js';

/** Kept of stderr: under load serve logs (rate-limited) upstream failures; the tail is enough for a failure message. */
const STDERR_TAIL = 64 * 1024;

export interface ServeProcess {
  pid: number;
  port: number;
  /** When the serving line was read (epoch ms): about when the listener opened. */
  listeningAt: number;
  /** `http://127.0.0.1:PORT` of --admin, when given. */
  admin: string | undefined;
  stdout(): string;
  stderr(): string;
  /** The process has not exited (the pid is still this child's). */
  alive(): boolean;
  /** VmRSS of /proc/PID/status, in bytes. */
  rssBytes(): number;
  /** Entries of /proc/PID/fd: sockets, pipes and files the process holds. */
  openFds(): number;
  stop(): Promise<number | null>;
}

export async function startServe(args: readonly string[], timeoutMs = 30_000): Promise<ServeProcess> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    if (stderr.length > 2 * STDERR_TAIL) stderr = stderr.slice(-STDERR_TAIL);
  });
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exit;
    clearTimeout(timer);
    return code;
  };
  const pid = child.pid ?? 0;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const port = /serving .* on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1];
    if (port) {
      return {
        pid,
        port: Number(port),
        listeningAt: Date.now(),
        admin: /kupstream: admin at (http:\/\/[^/\s]+)\//.exec(stdout)?.[1],
        stdout: () => stdout,
        stderr: () => stderr,
        alive: () => !exited && child.exitCode === null && child.signalCode === null,
        rssBytes: () => {
          const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
          if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
          return Number(kb) * 1024;
        },
        openFds: () => readdirSync(`/proc/${pid}/fd`).length,
        stop,
      };
    }
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`kupstream serve did not start (exited: ${exited}); stdout:\n${stdout}\nstderr:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A TCP connect to the listener succeeds (serve is still accepting). */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(5000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** `kupstream_upstream_pool_connections` of /metrics: upstream → { active, idle }. */
export async function poolGauges(admin: string): Promise<Map<string, { active: number; idle: number }>> {
  const text = await (await fetch(`${admin}/metrics`)).text();
  const pools = new Map<string, { active: number; idle: number }>();
  for (const m of text.matchAll(/^kupstream_upstream_pool_connections\{([^}]*)\} (\S+)$/gm)) {
    const labels: Record<string, string | undefined> = Object.fromEntries(
      [...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    const upstream = labels.upstream ?? '';
    const entry = pools.get(upstream) ?? { active: 0, idle: 0 };
    const state = labels.state;
    if (state === 'active' || state === 'idle') entry[state] = Number(m[2]);
    pools.set(upstream, entry);
  }
  return pools;
}
