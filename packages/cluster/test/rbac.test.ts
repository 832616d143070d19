// deploy/rbac/clusterrole.yaml must allow every call the host makes, and grant nothing
// the host does not use. The calls come from the test API server's records.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ResourceStatus } from '@kupstream/core';
import { parse } from 'yaml';
import { RESOURCES } from '@kupstream/core';
import { listClusterSnapshot, StatusWriter, watchCluster } from '../src/index.js';
import { allRecordedCalls, HOST_USER, type RecordedCall } from '@kupstream/fake-kube-api';
import { eventually, gateway, httpRoute, service, startCluster } from './fixtures.js';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const CLUSTER_ROLE = fileURLToPath(new URL('../../../deploy/rbac/clusterrole.yaml', import.meta.url));

function loadRules(): PolicyRule[] {
  const role = parse(readFileSync(CLUSTER_ROLE, 'utf8')) as { apiVersion: string; kind: string; rules: PolicyRule[] };
  assert.equal(role.apiVersion, 'rbac.authorization.k8s.io/v1');
  assert.equal(role.kind, 'ClusterRole');
  return role.rules;
}

/** The RBAC authorizer's decision for a resource request (no wildcards are used in the role). */
function allows(rules: readonly PolicyRule[], call: RecordedCall): boolean {
  const r = call.resource;
  if (!r) return false;
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  return rules.some(
    (rule) =>
      rule.apiGroups.includes(r.group) &&
      rule.resources.includes(resource) &&
      rule.verbs.includes(r.verb) &&
      (!rule.resourceNames?.length || (r.name !== undefined && rule.resourceNames.includes(r.name))),
  );
}

const describeCall = (c: RecordedCall) =>
  `${c.resource?.verb ?? c.method} ${c.resource?.group || 'core'}/${c.resource?.resource ?? c.path}${c.resource?.subresource ? `/${c.resource.subresource}` : ''}`;

const condition = { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', lastTransitionTime: '2026-06-01T00:00:00Z' };

describe('RBAC: deploy/rbac/clusterrole.yaml', () => {
  it('is least privilege in form: no wildcards, no writes but status patches, no resource names', () => {
    const rules = loadRules();
    for (const rule of rules) {
      for (const value of [...rule.apiGroups, ...rule.resources, ...rule.verbs]) assert.notEqual(value, '*', JSON.stringify(rule));
      const writes = rule.verbs.filter((v) => !['get', 'list', 'watch'].includes(v));
      if (writes.length) {
        assert.deepEqual(writes, ['patch'], JSON.stringify(rule));
        assert.ok(
          rule.resources.every((res) => res.endsWith('/status')),
          JSON.stringify(rule),
        );
      }
    }
  });

  it('allows every call the host makes, and each grant is used by one', async () => {
    const cluster = await startCluster();
    try {
      const { server } = cluster;
      server.put(service('default', 'web'));
      server.put(gateway('default', 'gw'));
      server.put(httpRoute('default', 'route'));
      server.put({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'ngrok' }, spec: {} });
      server.put({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'BackendTLSPolicy',
        metadata: { namespace: 'default', name: 'tls' },
        spec: {},
      });
      for (const kind of ['GRPCRoute', 'TLSRoute', 'TCPRoute'])
        server.put({ apiVersion: 'gateway.networking.k8s.io/v1', kind, metadata: { namespace: 'default', name: 'route' }, spec: {} });
      server.put({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { namespace: 'default', name: 'ing' }, spec: {} });
      server.put({
        apiVersion: 'ngrok.k8s.ngrok.com/v1alpha1',
        kind: 'AgentEndpoint',
        metadata: { namespace: 'default', name: 'ep' },
        spec: {},
      });

      await listClusterSnapshot(cluster.kubeConfig);
      const watch = watchCluster(cluster.kubeConfig, { onChange: () => undefined, debounceMs: 5, resyncMs: 0 });
      try {
        await watch.synced;
        await eventually(() => (server.watchCount === RESOURCES.length ? true : undefined), 'a watch per kind');
        const statuses: ResourceStatus[] = [
          {
            apiVersion: 'gateway.networking.k8s.io/v1',
            kind: 'Gateway',
            namespace: 'default',
            name: 'gw',
            status: { conditions: [condition] },
          },
          { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: 'default', name: 'route', status: { parents: [] } },
          ...['GRPCRoute', 'TLSRoute', 'TCPRoute'].map((kind) => ({
            apiVersion: 'gateway.networking.k8s.io/v1',
            kind,
            namespace: 'default',
            name: 'route',
            status: { parents: [] },
          })),
          { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: 'ngrok', status: { conditions: [condition] } },
          {
            apiVersion: 'gateway.networking.k8s.io/v1',
            kind: 'BackendTLSPolicy',
            namespace: 'default',
            name: 'tls',
            status: { ancestors: [] },
          },
          {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'Ingress',
            namespace: 'default',
            name: 'ing',
            status: { loadBalancer: { ingress: [{ hostname: 'x.ngrok.app' }] } },
          },
          {
            apiVersion: 'ngrok.k8s.ngrok.com/v1alpha1',
            kind: 'AgentEndpoint',
            namespace: 'default',
            name: 'ep',
            status: { conditions: [condition] },
          },
        ];
        // Without an informer copy the writer reads each object itself (the `get` grants).
        const report = await new StatusWriter(cluster.kubeConfig).write(statuses);
        assert.equal(report.written.length, statuses.length, JSON.stringify(report.failed));
      } finally {
        await watch.close();
      }

      const rules = loadRules();
      const hostCalls = server.calls.filter((c) => c.user === HOST_USER);
      const denied = hostCalls.filter((c) => !allows(rules, c));
      assert.deepEqual(denied.map(describeCall), []);
      const unused = rules.flatMap((rule) =>
        rule.apiGroups.flatMap((group) =>
          rule.resources.flatMap((resource) =>
            rule.verbs
              .filter(
                (verb) =>
                  !hostCalls.some(
                    (c) =>
                      c.resource?.group === group &&
                      c.resource.verb === verb &&
                      (c.resource.subresource ? `${c.resource.resource}/${c.resource.subresource}` : c.resource.resource) === resource,
                  ),
              )
              .map((verb) => `${verb} ${group || 'core'}/${resource}`),
          ),
        ),
      );
      assert.deepEqual(unused, [], 'grants the host never uses');
    } finally {
      await cluster.close();
    }
  });
});

// After every test file has run: every call any cluster test's host made was allowed.
after(function () {
  const rules = loadRules();
  // Lease calls are granted by the namespaced leases Role, and checked against it in lease-role.test.ts.
  const denied = allRecordedCalls.filter(
    (c) => c.user === HOST_USER && c.statusCode !== 401 && c.resource?.group !== 'coordination.k8s.io' && !allows(rules, c),
  );
  assert.deepEqual(
    [...new Set(denied.map(describeCall))],
    [],
    'calls made by the host during the cluster tests that the ClusterRole does not allow',
  );
});
