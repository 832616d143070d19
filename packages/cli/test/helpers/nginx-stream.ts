// nginx's `stream {}` as a real mutual-TLS TCP upstream: each connection that presents a
// client certificate signed by the given CA is answered with one line naming what nginx saw
// (client subject, verification, SNI) and closed; one without a certificate fails the
// handshake. An unprivileged child process on a loopback port, files in a temp dir that is
// removed; Debian ships the module as libnginx-mod-stream.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NGINX = process.env.NGINX_BINARY ?? '/usr/sbin/nginx';
export const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

export interface NginxStream {
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startNginxStream(files: { serverCertPem: string; serverKeyPem: string; clientCaPem: string }): Promise<NginxStream> {
  if (!existsSync(STREAM_MODULE)) throw new Error(`${STREAM_MODULE} is missing: apt-get install -y libnginx-mod-stream`);
  const dir = mkdtempSync(join(tmpdir(), 'kupstream-nginx-stream-'));
  writeFileSync(join(dir, 'server.crt'), files.serverCertPem);
  writeFileSync(join(dir, 'server.key'), files.serverKeyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'ca.crt'), files.clientCaPem);
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `load_module ${STREAM_MODULE};
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
stream {
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/server.crt;
    ssl_certificate_key ${dir}/server.key;
    ssl_client_certificate ${dir}/ca.crt;
    ssl_verify_client on;
    return "subject=$ssl_client_s_dn verify=$ssl_client_verify sni=$ssl_server_name\\n";
  }
}
`,
  );
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
      throw new Error(`nginx (stream) did not start: ${log}`);
    }
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { port, stop };
}
