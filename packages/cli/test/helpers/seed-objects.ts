// The seed's Gateway API objects as a cluster holds them: the manifests of
// seed-manifests.ts, each in its namespace, plus the GatewayClass that the operator's
// chart installs (in a cluster, kupstream assumes no class).
import { tlsSecret, type SeedPki } from '@kupstream/test-pki';
import { parse } from 'yaml';
import { SEED_GATEWAY, SEED_HTTPROUTE, SEED_SERVICE } from './seed-manifests.js';

export const SEED_GATEWAY_CLASS = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'GatewayClass',
  metadata: { name: 'ngrok' },
  spec: { controllerName: 'ngrok.com/gateway-controller' },
};

type KubeObject = Record<string, unknown> & { metadata: Record<string, unknown> };

function inDefault(yaml: string): KubeObject {
  const object = parse(yaml) as KubeObject;
  return { ...object, metadata: { namespace: 'default', ...object.metadata } };
}

export function seedClusterObjects(pki: SeedPki): KubeObject[] {
  return [
    SEED_GATEWAY_CLASS,
    inDefault(SEED_GATEWAY),
    inDefault(SEED_HTTPROUTE),
    inDefault(SEED_SERVICE),
    tlsSecret('client-cert-secret', pki.client, 'default'),
  ];
}

/** A second https Service, for routing changes. */
export function secondService(name: string): KubeObject {
  const service = inDefault(SEED_SERVICE);
  return { ...service, metadata: { ...service.metadata, name } };
}

/** The seed HTTPRoute sending its traffic to another Service. */
export function routeTo(serviceName: string): KubeObject {
  const route = inDefault(SEED_HTTPROUTE) as KubeObject & { spec: { rules: { backendRefs: { name: string }[] }[] } };
  return {
    ...route,
    spec: {
      ...route.spec,
      rules: route.spec.rules.map((rule) => ({ ...rule, backendRefs: rule.backendRefs.map((ref) => ({ ...ref, name: serviceName })) })),
    },
  };
}
