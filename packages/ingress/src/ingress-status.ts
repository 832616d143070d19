// Ingress status: the load balancer hostnames the host supplies.
import type { ResourceStatus } from '@kupstream/core';

export const INGRESS_API_VERSION = 'networking.k8s.io/v1';

export function ingressStatus(namespace: string, name: string, hostnames: readonly string[]): ResourceStatus {
  return {
    apiVersion: INGRESS_API_VERSION,
    kind: 'Ingress',
    namespace,
    name,
    status: { loadBalancer: hostnames.length > 0 ? { ingress: hostnames.map((hostname) => ({ hostname })) } : {} },
  };
}
