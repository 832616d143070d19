// The built binary (`node dist/cli.js`) as a child process: one-shot runs and a
// long-running `serve` whose listening port is read from its first stdout line.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

export const CLI_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

export function assertBuilt(): void {
  assert.ok(existsSync(CLI_PATH), `${CLI_PATH} is missing: build first (npx -y pnpm@12.4.2 build --filter=@kupstream/cli)`);
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runBinary(
  args: string[],
  { input, timeoutMs = 20_000 }: { input?: string | Buffer; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kupstream ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // the CLI may exit before reading stdin
    child.stdin.end(input ?? '');
  });
}

export interface ServeProcess {
  /** The traffic port (0 until the serving line is printed). */
  port: number;
  /** The admin server's URL when --admin was given and it is printed. */
  adminUrl(): string | undefined;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit code; SIGKILL if it does not stop within the timeout. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** The exit code, once the process has ended by itself. */
  exited: Promise<number | null>;
}

/** Starts `kupstream serve` and waits for its serving line (or, with `waitForServing: false`, only for the admin line). */
export async function startServe(args: string[], { waitForServing = true }: { waitForServing?: boolean } = {}): Promise<ServeProcess> {
  const child: ChildProcess = spawn(process.execPath, [CLI_PATH, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!done) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const adminUrl = () => /kupstream: admin at (http:\/\/[^/\s]+)\//.exec(stdout)?.[1];
  const serving = () => /serving .* on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1];
  const running: ServeProcess = { port: 0, adminUrl, pid: child.pid ?? 0, stdout: () => stdout, stderr: () => stderr, stop, exited };
  try {
    await waitFor(
      waitForServing ? 'kupstream serve to listen' : 'the admin line',
      () => {
        if (done) throw new Error(`serve exited early; stderr:\n${stderr}`);
        return waitForServing ? serving() : adminUrl();
      },
      20_000,
    );
    if (waitForServing) running.port = Number(serving());
    return running;
  } catch (error) {
    await stop('SIGKILL');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nstderr:\n${stderr}`, { cause: error });
  }
}

/** Waits for the serving line of a process started with `waitForServing: false`. */
export async function servingPort(serve: ServeProcess): Promise<number> {
  const port = await waitFor(
    'kupstream serve to listen',
    () => /serving .* on http:\/\/127\.0\.0\.1:(\d+)/.exec(serve.stdout())?.[1],
    20_000,
  );
  serve.port = Number(port);
  return serve.port;
}
