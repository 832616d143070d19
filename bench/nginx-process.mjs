// Runs Debian's nginx as a foreground child with its own prefix, config and logs in a
// temp dir (nothing under /etc/nginx or /var/log/nginx is read or written).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NGINX } from './system-tools.mjs';
import { spawnTracked, waitForPort } from './processes.mjs';

/** Temp paths nginx would otherwise create under its compiled-in prefix. */
export function tempPaths(dir) {
  return ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `${name}_temp_path ${dir}/${name};`).join('\n  ');
}

/** Starts nginx on `conf` (written to DIR/nginx.conf) and waits until `ports` accept. */
export async function startNginx(dir, conf, ports) {
  const file = join(dir, 'nginx.conf');
  await writeFile(file, conf);
  const errorLog = join(dir, 'error.log');
  const proc = spawnTracked(NGINX, ['-p', dir, '-c', file, '-e', errorLog, '-g', 'daemon off;'], { stdio: 'ignore' });
  const failed = new Promise((_, reject) => proc.child.once('error', (err) => reject(new Error(`cannot run ${NGINX}: ${err.message}`))));
  try {
    await Promise.race([
      Promise.all(ports.map((port) => waitForPort(port, proc.child, () => readFile(errorLog, 'utf8').catch(() => '')))),
      failed,
    ]);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { pid: proc.child.pid, stop: () => proc.stop('SIGTERM') };
}
