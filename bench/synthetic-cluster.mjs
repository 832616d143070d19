// Synthetic clusters for the translation benchmark (issue 7): N HTTPRoutes with 2 rules
// and 2 weighted backends each (one cross-namespace, allowed by a ReferenceGrant),
// N/100 Gateways with 4 wildcard listeners and a backend client certificate each (its own
// key pair, so that no cache can treat them as one),
// N/2 Services over 20 namespaces with the app-protocols annotation, and N/20
// BackendTLSPolicies with CA ConfigMaps.
const NAMESPACES = 20;

/** `clientCerts`: one key pair per Gateway (reused round-robin when fewer are given). */
export function syntheticCluster(n, { clientCerts, caPem }) {
  const ns = (i) => `ns-${i % NAMESPACES}`;
  const created = (i) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const gatewayCount = Math.max(1, Math.floor(n / 100));
  const serviceCount = Math.max(2, Math.floor(n / 2));
  const policyCount = Math.max(1, Math.floor(n / 20));

  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns(i), labels: { team: `t${i % 4}` } },
  }));
  const gatewayClasses = [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'ngrok', generation: 1 },
      spec: { controllerName: 'ngrok.com/gateway-controller' },
    },
  ];
  const secrets = [];
  const gateways = Array.from({ length: gatewayCount }, (_, g) => {
    const namespace = ns(g);
    const clientCert = clientCerts[g % clientCerts.length];
    secrets.push({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: `client-${g}`, namespace },
      data: { 'tls.crt': Buffer.from(clientCert.certPem).toString('base64'), 'tls.key': Buffer.from(clientCert.keyPem).toString('base64') },
    });
    return {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: `gw-${g}`, namespace, generation: 1, creationTimestamp: created(g) },
      spec: {
        gatewayClassName: 'ngrok',
        tls: { backend: { clientCertificateRef: { name: `client-${g}` } } },
        listeners: Array.from({ length: 4 }, (_, l) => ({
          name: `l${l}`,
          hostname: `*.z${l}.gw${g}.example.com`,
          port: 443,
          protocol: 'HTTPS',
          allowedRoutes: { namespaces: { from: 'All' } },
        })),
      },
    };
  });
  const services = Array.from({ length: serviceCount }, (_, s) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${s}`, namespace: ns(s), annotations: { 'k8s.ngrok.com/app-protocols': '{"https":"HTTPS","http":"HTTP"}' } },
    spec: {
      ports: [
        { name: 'https', port: 443, targetPort: 8443 },
        { name: 'http', port: 80, targetPort: 8080, appProtocol: s % 3 === 0 ? 'kubernetes.io/h2c' : undefined },
      ],
    },
  }));
  const referenceGrants = Array.from({ length: NAMESPACES }, (_, i) => ({
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: 'from-all-routes', namespace: ns(i) },
    spec: {
      from: Array.from({ length: NAMESPACES }, (_, j) => ({ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: ns(j) })),
      to: [{ group: '', kind: 'Service' }],
    },
  }));
  const configMaps = [];
  const backendTLSPolicies = Array.from({ length: policyCount }, (_, p) => {
    const s = (p * 7) % serviceCount;
    configMaps.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `ca-${p}`, namespace: ns(s) }, data: { 'ca.crt': caPem } });
    return {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name: `btls-${p}`, namespace: ns(s), generation: 1, creationTimestamp: created(p) },
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: `svc-${s}`, sectionName: 'https' }],
        validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: `ca-${p}` }], hostname: `svc-${s}.example.com` },
      },
    };
  });
  const servicesByNs = Array.from({ length: NAMESPACES }, (_, i) => services.filter((_, s) => s % NAMESPACES === i));
  const httpRoutes = Array.from({ length: n }, (_, r) => {
    const namespace = ns(r);
    const g = r % gatewayCount;
    const sameNs = servicesByNs[r % NAMESPACES];
    const localService = sameNs[r % sameNs.length] ?? services[(r * 2) % serviceCount];
    const remote = services[(r * 13 + 1) % serviceCount];
    return {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: `route-${r}`, namespace, generation: 1, resourceVersion: '1', creationTimestamp: created(r) },
      spec: {
        parentRefs: [{ name: `gw-${g}`, namespace: ns(g) }],
        hostnames: [`app${r}.z${r % 4}.gw${g}.example.com`],
        rules: [0, 1].map((k) => ({
          matches: [{ path: { type: 'PathPrefix', value: `/r${r}/k${k}` }, headers: k ? [{ name: 'x-version', value: 'v2' }] : undefined }],
          backendRefs: [
            { name: localService.metadata.name, port: k ? 80 : 443, weight: 3 },
            { name: remote.metadata.name, namespace: remote.metadata.namespace, port: 443, weight: 1 },
          ],
        })),
      },
    };
  });
  return JSON.parse(
    JSON.stringify({
      gatewayClasses,
      gateways,
      httpRoutes,
      referenceGrants,
      backendTLSPolicies,
      services,
      secrets,
      configMaps,
      namespaces,
    }),
  );
}
