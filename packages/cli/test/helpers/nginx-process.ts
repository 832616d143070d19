// Running one test nginx from a prepared prefix directory (its nginx.conf written): started in
// the foreground, ready once its port accepts connections, stopped and its directory removed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

const NGINX = process.env.NGINX_BINARY ?? '/usr/sbin/nginx';

export interface NginxProcess {
  stop(): Promise<void>;
}

/** Starts nginx on `dir/nginx.conf` and waits for `port`; `what` names it in the error when it does not start. */
export async function runNginx(dir: string, port: number, what: string): Promise<NginxProcess> {
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null || tries > 400) {
      const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
      await stop();
      throw new Error(`nginx (${what}) did not start: ${log}`);
    }
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return { stop };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
