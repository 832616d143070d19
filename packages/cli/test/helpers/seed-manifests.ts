// The seed document's manifests (shared/seed/upstream-tls-mtls.md), exactly as written
// there, plus the Ingress its Ingress tab implies, and the Secret `kubectl create secret tls`
// makes. One copy of the seed lives in examples/seed-mtls/manifests (the demo reads it too).
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { tlsSecret, type SeedPki } from '@kupstream/test-pki';

const seed = (file: string) => readFileSync(new URL(`../../../../examples/seed-mtls/manifests/${file}`, import.meta.url), 'utf8');

export const SEED_GATEWAY = seed('gateway-api/gateway.yaml');
export const SEED_HTTPROUTE = seed('gateway-api/httproute.yaml');
export const SEED_SERVICE = seed('gateway-api/service.yaml');
export const SEED_AGENT_ENDPOINT = seed('agent-endpoint/agent-endpoint.yaml');
export const SEED_INGRESS = seed('ingress/ingress.yaml');

/** `kubectl create secret tls client-cert-secret --cert=client.crt --key=client.key`, as YAML. */
export function clientCertSecretYaml(pki: SeedPki): string {
  return stringify(tlsSecret('client-cert-secret', pki.client));
}

/** The lines a leak would show: every base64 line of the PEM key, and the Secret's base64 value. */
export function keyMaterialNeedles(pki: SeedPki): string[] {
  const pemLines = pki.client.keyPem.split('\n').filter((line) => line && !line.startsWith('-----'));
  const secretValue = tlsSecret('client-cert-secret', pki.client).data['tls.key'];
  const secretChunks = secretValue.match(/.{1,64}/g) ?? [];
  return [...pemLines, ...secretChunks, 'PRIVATE KEY'];
}
