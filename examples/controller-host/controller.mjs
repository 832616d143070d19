#!/usr/bin/env node
// A controller on @kupstream/cluster: informers keep a snapshot of the cluster, each burst
// of changes is translated (Gateway API, Ingress, AgentEndpoint), the result goes to the
// host, and statuses are written back merged with the entries other controllers own.
// Run it against a cluster: node controller.mjs [KUBECONFIG]
import { fileURLToPath } from 'node:url';
import { createController, loadKubeConfig } from '@kupstream/cluster';

/** Starts the loop; `onResult(result)` is where a host swaps its data plane (e.g. the agent's proxy.update). */
export function startController({ kubeConfig, onResult = () => {}, debounceMs = 50, ...options }) {
  return createController({ kubeConfig, onResult, debounceMs, writeStatus: true, ...options });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const controller = startController({
    kubeConfig: loadKubeConfig(process.argv[2]),
    onProgress: (line) => console.error(line),
    onError: (error) => console.error(`error: ${error.message}`),
    onResult: (result) => console.log(`translated: ${result.endpoints.length} endpoints, ${result.statuses.length} statuses`),
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void controller.close());
}
