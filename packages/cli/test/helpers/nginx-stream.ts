// nginx's `stream {}` as a real mutual-TLS TCP upstream: each connection that presents a
// client certificate signed by the given CA is answered with one line naming what nginx saw
// (client subject, verification, SNI) and closed; one without a certificate fails the
// handshake. An unprivileged child process on a loopback port, files in a temp dir that is
// removed; Debian ships the module as libnginx-mod-stream.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNginx } from './nginx-process.js';

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
  const { stop } = await runNginx(dir, port, 'stream');
  return { port, stop };
}
