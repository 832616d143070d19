// Shared set-up for the cluster tests: a fake API server with a kubeconfig on disk.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../src/index.js';
import { FakeApiServer, type FakeApiServerOptions } from '@kupstream/fake-kube-api';

export interface Cluster {
  server: FakeApiServer;
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  close(): Promise<void>;
}

export async function startCluster(options: FakeApiServerOptions = {}): Promise<Cluster> {
  const server = await FakeApiServer.start(options);
  const dir = mkdtempSync(join(tmpdir(), 'kupstream-cluster-'));
  const kubeconfigPath = join(dir, 'kubeconfig.yaml');
  writeFileSync(kubeconfigPath, server.kubeconfig());
  let closed: Promise<void> | undefined;
  return {
    server,
    kubeConfig: loadKubeConfig(kubeconfigPath),
    kubeconfigPath,
    /** Idempotent, so an afterEach may close what a test already closed. */
    close() {
      closed ??= server.close().then(() => rmSync(dir, { recursive: true, force: true }));
      return closed;
    },
  };
}

/** Polls `check` until it returns a value other than undefined (or throws after `timeoutMs`). */
export async function eventually<T>(check: () => T | undefined, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const gateway = (namespace: string, name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { namespace, name },
  spec: { gatewayClassName: 'ngrok', listeners: [{ name: 'web', protocol: 'HTTP', port: 80 }] },
  ...extra,
});

export const httpRoute = (namespace: string, name: string) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { namespace, name },
  spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
});

export const service = (namespace: string, name: string, port = 80) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace, name },
  spec: { ports: [{ name: 'http', port }] },
});
