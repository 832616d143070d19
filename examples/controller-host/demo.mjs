#!/usr/bin/env node
// The controller at work against the test API server (@kupstream/fake-kube-api): the
// manifests created, one translation per burst, and the status PATCHes the controller
// sends; then a Service change (no status changes: nothing written) and a deleted route.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeConfig } from '@kupstream/cluster';
import { FakeApiServer, HOST_TOKEN } from '@kupstream/fake-kube-api';
import { startController } from './controller.mjs';
import { readManifests } from './lib/manifests.mjs';

const settle = () => new Promise((resolve) => setTimeout(resolve, 400));
const server = await FakeApiServer.start();
const dir = mkdtempSync(join(tmpdir(), 'kupstream-demo-'));
writeFileSync(join(dir, 'kubeconfig'), server.kubeconfig({ token: HOST_TOKEN }));
let seen = 0;
const patches = () => {
  const calls = server.calls.slice(seen).filter((c) => c.method === 'PATCH');
  seen = server.calls.length;
  for (const call of calls) console.log(`  PATCH ${call.path}\n    ${JSON.stringify(call.body)}`);
};

console.log('== ADDED: a GatewayClass, a Gateway, an HTTPRoute and a Service');
for (const object of readManifests()) server.put(object);
const controller = startController({
  kubeConfig: loadKubeConfig(join(dir, 'kubeconfig')),
  onResult: (result) => console.log(`  translated: ${result.endpoints.length} endpoint(s), ${result.statuses.length} statuses`),
});
await controller.synced;
await settle();
patches();

console.log('== MODIFIED: the Service gets a label (no status changes)');
const service = readManifests().find((o) => o.kind === 'Service');
server.put({ ...service, metadata: { ...service.metadata, labels: { tier: 'web' } } });
await settle();
patches();

console.log('== DELETED: the HTTPRoute');
const route = readManifests().find((o) => o.kind === 'HTTPRoute');
server.remove(route.apiVersion, route.kind, route.metadata.namespace, route.metadata.name);
await settle();
patches();

await controller.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
