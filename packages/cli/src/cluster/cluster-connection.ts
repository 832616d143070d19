// Which cluster cluster mode talks to, found the way kubectl finds it: --kubeconfig,
// else $KUBECONFIG, else the pod's service account. And the namespace of the Lease that
// elects the status writer, when the flag does not give it.
import { existsSync, readFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterFlags, CommandName } from '../args/args.js';
import { contextNamespace, KubeConfigError, loadKubeConfig, SERVICE_ACCOUNT_DIR } from '@kupstream/cluster';
import { StartupError, UsageError } from '../errors.js';

export interface ClusterConnection {
  kubeConfig: KubeConfig;
  /** Where it came from, for the startup line (a path, or `in-cluster`). */
  source: string;
}

export function connectCluster(flags: ClusterFlags, command: CommandName, env: NodeJS.ProcessEnv = process.env): ClusterConnection {
  const path = flags.kubeconfig ?? kubeconfigFromEnv(env.KUBECONFIG);
  if (path === undefined && !env.KUBERNETES_SERVICE_HOST) {
    throw new UsageError(
      'no input: give -f FILE|DIR|- to read manifests, or --kubeconfig FILE (or $KUBECONFIG, or run in a pod) to read a cluster',
      command,
    );
  }
  try {
    return { kubeConfig: loadKubeConfig(path, { env }), source: path ?? 'in-cluster' };
  } catch (error) {
    if (error instanceof KubeConfigError) throw new StartupError(error.message);
    throw error;
  }
}

/** $KUBECONFIG may list several files (kubectl merges them); the first that exists is used. */
function kubeconfigFromEnv(value: string | undefined): string | undefined {
  const paths = (value ?? '').split(delimiter).filter((p) => p !== '');
  return paths.find((p) => existsSync(p)) ?? paths[0];
}

/** --lease-namespace, else the kubeconfig context's namespace, else the pod's, else `default`. */
export function defaultLeaseNamespace(kubeConfig: KubeConfig, serviceAccountDir = SERVICE_ACCOUNT_DIR): string {
  const fromContext = contextNamespace(kubeConfig);
  if (fromContext) return fromContext;
  try {
    const fromPod = readFileSync(`${serviceAccountDir}/namespace`, 'utf8').trim();
    if (fromPod) return fromPod;
  } catch {
    // Not in a pod: fall through to the default namespace.
  }
  return 'default';
}
