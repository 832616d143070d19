// Proxy B, the reference: Debian's nginx as a reverse proxy in front of the same mTLS
// upstream, configured the way one would run it in production for this job — one worker,
// upstream keep-alive, TLS session reuse, the client certificate, SNI, TLS 1.3 allowed
// (nginx 1.22 leaves TLSv1.3 out of proxy_ssl_protocols by default, the agent offers it),
// and the upstream's certificate verified against the test CA and the Service name, as
// kupstream (its BackendTLSPolicy) and the Node peers do.
// master_process off: the one process is the worker, so /proc/PID covers all its CPU/RSS.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, tempDir } from './processes.mjs';
import { startNginx, tempPaths } from './nginx-process.mjs';

/**
 * @param {{ upstreamPort: number, clientCertPem: string, clientKeyPem: string, caPem: string, serverName: string }} options
 * @returns {Promise<{ port: number, pid: number, stop(): Promise<void> }>}
 */
export async function startNginxReference({ upstreamPort, clientCertPem, clientKeyPem, caPem, serverName }) {
  const dir = await tempDir('kupstream-bench-nginx-');
  await writeFile(join(dir, 'client.crt'), clientCertPem);
  await writeFile(join(dir, 'client.key'), clientKeyPem, { mode: 0o600 });
  await writeFile(join(dir, 'ca.crt'), caPem);
  const port = await freePort();
  const conf = `master_process off;
worker_processes 1;
worker_rlimit_nofile 8192;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  ${tempPaths(dir)}
  # Node's http server has no per-connection request cap; nginx's default is 1000.
  keepalive_requests 10000000;
  upstream mtls_upstream {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 10000000;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      proxy_pass https://mtls_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_ssl_certificate ${dir}/client.crt;
      proxy_ssl_certificate_key ${dir}/client.key;
      proxy_ssl_protocols TLSv1.2 TLSv1.3;
      proxy_ssl_server_name on;
      proxy_ssl_name ${serverName};
      proxy_ssl_session_reuse on;
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate ${dir}/ca.crt;
      # Stream through memory buffers like the agent's pipe(); never spool a body to disk.
      proxy_max_temp_file_size 0;
    }
  }
}
`;
  const nginx = await startNginx(dir, conf, [port]);
  return { port, pid: nginx.pid, stop: nginx.stop };
}
