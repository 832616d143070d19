// nginx as a real mutual-TLS upstream: an unprivileged child process (no master, no
// daemon) with its own prefix, config, certificates and logs in a temp dir, on loopback
// ports, killed after the test. Certificates are written at test time and removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NginxFiles {
  serverCertPem: string;
  serverKeyPem: string;
  clientCaPem: string;
  /** `ssl_protocols`; default `TLSv1.2 TLSv1.3`. */
  sslProtocols?: string;
  /** `ssl_verify_client`: `on` (default) demands a certificate, `optional` asks for one. */
  verifyClient?: 'on' | 'optional';
}

export interface RunningNginx {
  /** `listen … ssl` with `ssl_verify_client on`. */
  tlsPort: number;
  /** Same, plus `proxy_protocol`. */
  proxyProtocolPort: number;
  /** Same as tlsPort, with `http2`. */
  http2Port: number;
  stop(): Promise<void>;
}

const NGINX = process.env.NGINX_BINARY ?? '/usr/sbin/nginx';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// What the upstream saw, as JSON. nginx fills the variables per request.
const ECHO = `'{"subject":"$ssl_client_s_dn","verify":"$ssl_client_verify","servername":"$ssl_server_name","reused":"$ssl_session_reused","protocol":"$ssl_protocol","alpn":"$ssl_alpn_protocol","proxyAddr":"$proxy_protocol_addr","proxyPort":"$proxy_protocol_port","uri":"$request_uri","http":"$server_protocol","cipher":"$ssl_cipher"}'`;

function config(dir: string, ports: { tls: number; pp: number; h2: number }, files: NginxFiles): string {
  const tls = `
    ssl_certificate ${dir}/server.crt;
    ssl_certificate_key ${dir}/server.key;
    ssl_client_certificate ${dir}/ca.crt;
    ssl_verify_client ${files.verifyClient ?? 'on'};
    ssl_protocols ${files.sslProtocols ?? 'TLSv1.2 TLSv1.3'};
    ssl_session_cache shared:tls:1m;
    location / { default_type application/json; return 200 ${ECHO}; }`;
  return `master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server { listen 127.0.0.1:${ports.tls} ssl; ${tls} }
  server { listen 127.0.0.1:${ports.pp} ssl proxy_protocol; ${tls} }
  server { listen 127.0.0.1:${ports.h2} ssl http2; ${tls} }
}
`;
}

async function waitForPort(port: number, child: ChildProcess, dir: string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) {
      const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
      throw new Error(`nginx exited with ${child.exitCode}: ${log}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
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

export async function startNginx(files: NginxFiles): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'kupstream-nginx-'));
  await writeFile(join(dir, 'server.crt'), files.serverCertPem);
  await writeFile(join(dir, 'server.key'), files.serverKeyPem, { mode: 0o600 });
  await writeFile(join(dir, 'ca.crt'), files.clientCaPem);
  const ports = { tls: await freePort(), pp: await freePort(), h2: await freePort() };
  await writeFile(join(dir, 'nginx.conf'), config(dir, ports, files));
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`cannot run ${NGINX} (apt-get install -y nginx): ${err.message}`))),
  );
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      Promise.all([waitForPort(ports.tls, child, dir), waitForPort(ports.pp, child, dir), waitForPort(ports.h2, child, dir)]),
      spawnError,
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { tlsPort: ports.tls, proxyProtocolPort: ports.pp, http2Port: ports.h2, stop };
}
