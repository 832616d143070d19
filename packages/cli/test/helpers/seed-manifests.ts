// The seed document's manifests (shared/seed/upstream-tls-mtls.md), exactly as written
// there, plus the Ingress its Ingress tab implies and the Secret `kubectl create secret tls` makes.
import { stringify } from 'yaml';
import { tlsSecret, type SeedPki } from '@kupstream/test-pki';

export const SEED_GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: example-gateway
  namespace: default
spec:
  backendTLS:
    clientCertificateRef:
      name: client-cert-secret
  gatewayClassName: ngrok
  listeners:
    - name: example
      hostname: "example-hostname.ngrok.io"
      port: 443
      protocol: HTTPS
`;

export const SEED_HTTPROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: example-route
  namespace: default
spec:
  hostnames:
  - example-hostname.ngrok.io
  parentRefs:
  - group: gateway.networking.k8s.io
    kind: Gateway
    name: example-gateway
    namespace: default
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /
    backendRefs:
      - group: ""
        kind: Service
        name: example-service
        port: 443
        weight: 1
`;

export const SEED_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: example-service
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

export const SEED_AGENT_ENDPOINT = `apiVersion: ngrok.k8s.ngrok.com/v1alpha1
kind: AgentEndpoint
metadata:
  name: example-agent-endpoint
spec:
  url: https://example-hostname.ngrok.io
  upstream:
    url: https://my-service.my-namespace:8443
  clientCertificateRefs:
  - name: client-cert-secret
    namespace: default
`;

/** The seed's Ingress tab shows only the Service; this is the plain Ingress it implies. */
export const SEED_INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: example-ingress
spec:
  ingressClassName: ngrok
  rules:
    - host: example-hostname.ngrok.io
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: example-service
                port:
                  name: https-port
`;

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
