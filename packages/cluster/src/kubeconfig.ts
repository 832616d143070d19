// Where the cluster connection comes from: a kubeconfig file, or the pod's service
// account when kupstream runs inside the cluster. Nothing else is guessed, so a
// missing flag is an error that says what to do rather than a surprise cluster.
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

export interface LoadKubeConfigOptions {
  /** Defaults to `process.env` (read for KUBERNETES_SERVICE_HOST/PORT). */
  env?: NodeJS.ProcessEnv;
  /** Prefix of the service account directory (tests); defaults to `''`. */
  inClusterRoot?: string;
}

/**
 * Loads `path`, or the in-cluster configuration when `path` is undefined and the
 * process runs in a pod. Throws `KubeConfigError` with a message fit for the user.
 */
export function loadKubeConfig(path: string | undefined, options: LoadKubeConfigOptions = {}): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (path !== undefined) {
    if (!existsSync(path)) throw new KubeConfigError(`kubeconfig ${path} does not exist`);
    try {
      kubeConfig.loadFromFile(path);
    } catch (error) {
      throw new KubeConfigError(`kubeconfig ${path} cannot be read: ${(error as Error).message}`);
    }
    checkUsable(kubeConfig, `kubeconfig ${path}`);
    return kubeConfig;
  }
  const env = options.env ?? process.env;
  const root = options.inClusterRoot ?? '';
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) {
    throw new KubeConfigError('no kubeconfig given and not running in a pod (KUBERNETES_SERVICE_HOST is not set): pass --kubeconfig FILE');
  }
  if (!existsSync(`${root}${SERVICE_ACCOUNT_DIR}/token`)) {
    throw new KubeConfigError(
      `running in a pod but ${root}${SERVICE_ACCOUNT_DIR}/token is missing: mount a service account token or pass --kubeconfig FILE`,
    );
  }
  // client-node reads the environment directly; hand it the one we were given.
  const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
  process.env.KUBERNETES_SERVICE_HOST = env.KUBERNETES_SERVICE_HOST;
  process.env.KUBERNETES_SERVICE_PORT = env.KUBERNETES_SERVICE_PORT;
  try {
    kubeConfig.loadFromCluster(root);
  } finally {
    restoreEnv('KUBERNETES_SERVICE_HOST', saved.host);
    restoreEnv('KUBERNETES_SERVICE_PORT', saved.port);
  }
  checkUsable(kubeConfig, 'in-cluster configuration');
  return kubeConfig;
}

/** The namespace of the current context (the pod's own in a cluster), if any. */
export function contextNamespace(kubeConfig: KubeConfig): string | undefined {
  return kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace || undefined;
}

function checkUsable(kubeConfig: KubeConfig, what: string): void {
  const context = kubeConfig.getCurrentContext();
  if (!context || !kubeConfig.getContextObject(context)) throw new KubeConfigError(`${what} has no current context`);
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new KubeConfigError(`${what}: context "${context}" names no known cluster`);
  let server: URL;
  try {
    server = new URL(cluster.server);
  } catch {
    throw new KubeConfigError(`${what}: cluster "${cluster.name}" has no valid server URL`);
  }
  // client-node refuses plain http unless TLS verification is explicitly off; say so now.
  if (server.protocol === 'http:' && !cluster.skipTLSVerify) {
    throw new KubeConfigError(
      `${what}: cluster "${cluster.name}" uses http:// without insecure-skip-tls-verify, which @kubernetes/client-node refuses`,
    );
  }
  if (server.protocol !== 'http:' && server.protocol !== 'https:')
    throw new KubeConfigError(`${what}: cluster "${cluster.name}" server must be http(s)://`);
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
