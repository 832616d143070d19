// nginx as a real mutual-TLS HTTPS upstream: `ssl_verify_client on` with the given CA, each
// request answered with one JSON line naming what nginx saw (client subject, verification
// result, SNI) and logged to its access log. A handshake without a certificate of that CA is
// refused by nginx (400 "No required SSL certificate was sent" / a failed verification).
// An unprivileged child process on a loopback port, files in a temp dir that is removed.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNginx } from './nginx-process.js';

export interface NginxHttps {
  port: number;
  /** The access log: one `subject=… verify=…` line per request. */
  accessLog(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startNginxHttps(files: { serverCertPem: string; serverKeyPem: string; clientCaPem: string }): Promise<NginxHttps> {
  const dir = mkdtempSync(join(tmpdir(), 'kupstream-nginx-https-'));
  writeFileSync(join(dir, 'server.crt'), files.serverCertPem);
  writeFileSync(join(dir, 'server.key'), files.serverKeyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'ca.crt'), files.clientCaPem);
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  log_format identity 'subject=$ssl_client_s_dn verify=$ssl_client_verify host=$host';
  access_log ${dir}/access.log identity;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/server.crt;
    ssl_certificate_key ${dir}/server.key;
    ssl_client_certificate ${dir}/ca.crt;
    ssl_verify_client on;
    default_type application/json;
    return 200 '{"subject":"$ssl_client_s_dn","verify":"$ssl_client_verify","servername":"$ssl_server_name"}\\n';
  }
}
`,
  );
  const { stop } = await runNginx(dir, port, 'https');
  const accessLog = () => (existsSync(join(dir, 'access.log')) ? readFileSync(join(dir, 'access.log'), 'utf8') : '');
  return { port, accessLog, stop };
}
