// The upstream both proxies dial: nginx over TLS on loopback with `ssl_verify_client on`
// (the seed's mutual-TLS setup), serving a small body and a 10 MiB body. nginx rather than
// a Node server so the upstream costs little CPU and the same for both proxies; it runs
// 2 workers (with a master) because it serves both proxies' full load on a 2-core machine.
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, tempDir } from './processes.mjs';
import { startNginx, tempPaths } from './nginx-process.mjs';

export const SMALL_BODY = 'x'.repeat(127) + '\n';
export const BULK_BYTES = 10 * 1024 * 1024;

/**
 * @param {{ serverCertPem: string, serverKeyPem: string, clientCaPem: string }} pki
 * @returns {Promise<{ port: number, pid: number, dir: string, stop(): Promise<void> }>}
 */
export async function startMtlsUpstream(pki) {
  const dir = await tempDir('kupstream-bench-upstream-');
  await writeFile(join(dir, 'server.crt'), pki.serverCertPem);
  await writeFile(join(dir, 'server.key'), pki.serverKeyPem, { mode: 0o600 });
  await writeFile(join(dir, 'ca.crt'), pki.clientCaPem);
  // Incompressible-looking bytes; nothing here gzips, but the body should not be all zeros.
  const bulk = await open(join(dir, 'bulk.bin'), 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 131 + 7) & 0xff;
  for (let i = 0; i < BULK_BYTES / chunk.length; i++) await bulk.write(chunk);
  await bulk.close();
  const port = await freePort();
  const conf = `# root: the workers must read bulk.bin inside a 0700 temp dir.
user root;
worker_processes 2;
worker_rlimit_nofile 8192;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  ${tempPaths(dir)}
  # Both proxies keep their upstream connections: do not end them every 1000 requests.
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/server.crt;
    ssl_certificate_key ${dir}/server.key;
    ssl_client_certificate ${dir}/ca.crt;
    ssl_verify_client on;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:upstream:10m;
    ssl_session_tickets on;
    location = /small { default_type text/plain; return 200 "${SMALL_BODY.trimEnd()}\\n"; }
    location = /bulk { default_type application/octet-stream; alias ${dir}/bulk.bin; }
  }
}
`;
  const nginx = await startNginx(dir, conf, [port]);
  return { port, pid: nginx.pid, dir, stop: nginx.stop };
}
