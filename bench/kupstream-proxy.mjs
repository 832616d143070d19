// Proxy A: the real `kupstream serve` binary on generated manifests — the seed's Gateway,
// HTTPRoute and annotated Service plus a client-cert-secret made at run time, and a
// BackendTLSPolicy that verifies the upstream against the test CA and the Service name (as
// nginx and the Node peers do) — with --resolve pointing the Service at the bench's mTLS upstream.
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tlsSecret } from '@kupstream/test-pki';
import { spawnTracked, tempDir } from './processes.mjs';

const CLI = fileURLToPath(new URL('../packages/cli/dist/cli.js', import.meta.url));
const COUNT_TLS = new URL('./count-tls.mjs', import.meta.url).href;
const AGENT_BUILD_HOOK = new URL('./agent-build-hook.mjs', import.meta.url).href;

export const HOSTNAME = 'example-hostname.ngrok.io';
export const SERVICE = 'example-service.default:443';

/**
 * The seed's Gateway API scenario as objects (namespace default), plus the client
 * certificate's Secret, and the CA (a ConfigMap) that a BackendTLSPolicy checks the
 * upstream's certificate and name against.
 */
export function seedManifests(client, caPem) {
  if (typeof caPem !== 'string' || !caPem.includes('BEGIN CERTIFICATE'))
    throw new Error('seedManifests needs the CA certificate (PEM) that verifies the upstream');
  return [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'example-gateway', namespace: 'default' },
      spec: {
        gatewayClassName: 'ngrok',
        backendTLS: { clientCertificateRef: { name: 'client-cert-secret' } },
        listeners: [{ name: 'example', hostname: HOSTNAME, port: 443, protocol: 'HTTPS' }],
      },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'example-route', namespace: 'default' },
      spec: {
        hostnames: [HOSTNAME],
        parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'example-gateway', namespace: 'default' }],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [{ group: '', kind: 'Service', name: 'example-service', port: 443, weight: 1 }],
          },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'example-service',
        namespace: 'default',
        labels: { app: 'example-app' },
        annotations: { 'k8s.ngrok.com/app-protocols': '{"https-port":"https","http-port":"http"}' },
      },
      spec: {
        ports: [
          { name: 'https-port', port: 443, protocol: 'TCP', targetPort: 8443 },
          { name: 'http-port', port: 80, protocol: 'TCP', targetPort: 8080 },
        ],
        selector: { app: 'example-app' },
      },
    },
    tlsSecret('client-cert-secret', client, 'default'),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'example-service-ca', namespace: 'default' },
      data: { 'ca.crt': caPem },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name: 'example-service-tls', namespace: 'default' },
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'example-service' }],
        validation: { hostname: SERVICE.split(':')[0], caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'example-service-ca' }] },
      },
    },
  ];
}

/**
 * @param {{ client: { certPem: string, keyPem: string }, caPem: string, upstreamPort: number, cpuProfDir?: string, nodeArgs?: string[], env?: Record<string, string>, args?: string[] }} options
 * @returns {Promise<{ port: number, pid: number, tlsCounts(): Promise<{ secureContexts: number, tlsConnects: number } | undefined>, stop(): Promise<void> }>}
 */
/**
 * The Node flags `kupstream serve` is deployed with, read from deploy/Dockerfile's ENTRYPOINT
 * (["node", ...flags, cli.js]), so the bench measures the configuration that ships.
 */
export const SERVE_NODE_FLAGS = (() => {
  const dockerfile = readFileSync(fileURLToPath(new URL('../deploy/Dockerfile', import.meta.url)), 'utf8');
  const entrypoint = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(dockerfile)?.[1] ?? '[]');
  return entrypoint.slice(1, -1);
})();

export async function startKupstream({ client, caPem, upstreamPort, cpuProfDir, nodeArgs = SERVE_NODE_FLAGS, env = {}, args = [] }) {
  const dir = await tempDir('kupstream-bench-serve-');
  const manifests = join(dir, 'manifests');
  await mkdir(manifests, { mode: 0o700 });
  for (const object of seedManifests(client, caPem)) {
    await writeFile(join(manifests, `${object.kind.toLowerCase()}.json`), JSON.stringify(object, null, 2), { mode: 0o600 });
  }
  const counts = join(dir, 'tls-counts.json');
  // KUPSTREAM_BENCH_AGENT (here or in the environment) serves with another build of the agent.
  const build = env.KUPSTREAM_BENCH_AGENT ?? process.env.KUPSTREAM_BENCH_AGENT;
  const node = [
    ...nodeArgs,
    ...(build ? ['--import', AGENT_BUILD_HOOK] : []),
    '--import',
    COUNT_TLS,
    ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []),
  ];
  const proc = spawnTracked(
    process.execPath,
    [
      ...node,
      CLI,
      'serve',
      '-f',
      manifests,
      '--listen',
      '127.0.0.1:0',
      '--resolve',
      `${SERVICE}=127.0.0.1:${upstreamPort}`,
      '--shutdown-timeout',
      '2s',
      ...args,
    ],
    {
      env: { ...process.env, ...env, KUPSTREAM_BENCH_TLS_COUNTS: counts, NODE_OPTIONS: '' },
    },
  );
  let stderr = '';
  proc.child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const port = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`kupstream serve did not start within 20 s: ${stderr}`)), 20000);
    proc.child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /serving \d+ endpoints? on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    proc.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`kupstream serve exited (${code ?? signal}): ${stderr}`));
    });
  }).catch(async (err) => {
    await proc.stop('SIGKILL');
    throw err;
  });
  proc.child.stdout.resume();
  return {
    port,
    pid: proc.child.pid,
    /** The last 4000 characters the CLI wrote to stderr (diagnostics, upstream errors). */
    stderrTail: () => stderr,
    tlsCounts: async () => JSON.parse(await readFile(counts, 'utf8').catch(() => 'null')) ?? undefined,
    // SIGINT is the CLI's clean stop; --cpu-prof writes its profile on that exit.
    stop: () => proc.stop('SIGINT', 8000),
  };
}
