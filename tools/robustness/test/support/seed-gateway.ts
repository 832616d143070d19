// The seed's Gateway API manifests (Gateway with a backend client certificate, HTTPRoute,
// annotated Service, the client-cert Secret) written to a directory for `kupstream serve`,
// plus fault routes on the same listener: one Service per fault, each behind its own path,
// so one serve process meets every fault and still serves `/`.
import { readFileSync } from 'node:fs';
import { tlsSecret, type SeedPki } from '@kupstream/test-pki';
import { stringify } from 'yaml';
import type { TempDir } from './cli.js';

export const SEED_HOST = 'example-hostname.ngrok.io';

// The seed's Gateway and HTTPRoute as written there: one copy lives in examples/seed-mtls.
const seed = (file: string) => readFileSync(new URL(`../../../../examples/seed-mtls/manifests/${file}`, import.meta.url), 'utf8');
const GATEWAY = seed('gateway-api/gateway.yaml');
const HTTPROUTE = seed('gateway-api/httproute.yaml');

const service = (name: string) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: default
  labels:
    app: example-app
  annotations:
    k8s.ngrok.com/app-protocols: '{"https-port":"https","http-port":"http"}'
spec:
  ports:
    - name: https-port
      port: 443
      protocol: TCP
      targetPort: 8443
    - name: http-port
      port: 80
      protocol: TCP
      targetPort: 8080
  selector:
    app: example-app
`;

/** Path prefix → Service: each prefix reaches one faulty upstream through the seed Gateway. */
export const FAULT_SERVICES = { '/refused': 'refused-service', '/wrong-ca': 'wrong-ca-service', '/stall': 'stall-service' } as const;

const faultRoute = () =>
  stringify({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'fault-routes', namespace: 'default' },
    spec: {
      hostnames: [SEED_HOST],
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'example-gateway', namespace: 'default' }],
      rules: Object.entries(FAULT_SERVICES).map(([prefix, name]) => ({
        matches: [{ path: { type: 'PathPrefix', value: prefix } }],
        backendRefs: [{ group: '', kind: 'Service', name, port: 443, weight: 1 }],
      })),
    },
  });

/** Writes the manifests into `dir`; `faults` adds the fault Services and their routes. */
export function writeSeedGateway(dir: TempDir, pki: SeedPki, { faults = false }: { faults?: boolean } = {}): void {
  dir.write('gateway.yaml', GATEWAY);
  dir.write('httproute.yaml', HTTPROUTE);
  dir.write('service.yaml', service('example-service'));
  // `kubectl create secret tls client-cert-secret --cert=client.crt --key=client.key`, made now.
  dir.write('client-cert-secret.yaml', stringify(tlsSecret('client-cert-secret', pki.client)));
  if (!faults) return;
  dir.write('fault-services.yaml', Object.values(FAULT_SERVICES).map(service).join('---\n'));
  dir.write('fault-routes.yaml', faultRoute());
}
