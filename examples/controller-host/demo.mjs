#!/usr/bin/env node
// The controller host at work: manifests replayed as watch events, one translation per
// burst, and the PATCH requests a real controller would send for the statuses that changed.
import { fileURLToPath } from 'node:url';
import { connectInformer, createController } from './controller.mjs';
import { ReplayInformer, readManifests } from './lib/replay-informer.mjs';

const PLURALS = {
  GatewayClass: 'gatewayclasses',
  Gateway: 'gateways',
  HTTPRoute: 'httproutes',
  BackendTLSPolicy: 'backendtlspolicies',
  Ingress: 'ingresses',
  AgentEndpoint: 'agentendpoints',
};

/** The status subresource URL of an object, as the API server names it. */
function statusPath({ apiVersion, kind, namespace, name }) {
  return `/apis/${apiVersion}${namespace ? `/namespaces/${namespace}` : ''}/${PLURALS[kind]}/${name}/status`;
}

const informer = new ReplayInformer();
let resourceVersion = 1000;
const controller = createController({
  writeStatus(ref, patch) {
    // A real host sends this (see README); here we print it, then do what the API server
    // does: store the status and send the object back through the watch.
    console.log(`  PATCH ${statusPath(ref)}  (application/merge-patch+json)\n    ${JSON.stringify(patch)}`);
    const current = controller.store.get(ref);
    informer.emit('MODIFIED', {
      ...current,
      metadata: { ...current.metadata, resourceVersion: String(++resourceVersion) },
      status: patch.status,
    });
  },
  onResult: (result) =>
    console.log(
      `  translated: ${result.endpoints.length} endpoint(s), ${result.upstreams.length} upstream(s), ${result.statuses.length} status(es)`,
    ),
});
connectInformer(informer, controller.store);

async function step(title, events) {
  console.log(`\n== ${title}`);
  for (const [type, object] of events) informer.emit(type, object);
  // Also waits for the translation of our own writes coming back as MODIFIED events.
  await controller.idle();
}

const objects = readManifests(fileURLToPath(new URL('./manifests', import.meta.url)));
const route = objects.find((o) => o.kind === 'HTTPRoute');
const service = objects.find((o) => o.kind === 'Service');

await step(
  'ADDED: what the informers list at start-up',
  objects.map((o) => ['ADDED', o]),
);
await step('MODIFIED: the Service gets a label (its statuses stay the same)', [
  ['MODIFIED', { ...service, metadata: { ...service.metadata, resourceVersion: '2000', labels: { tier: 'web' } } }],
]);
await step('MODIFIED: the HTTPRoute, unchanged (a resync)', [['MODIFIED', controller.store.get(route)]]);
await step('DELETED: the HTTPRoute', [['DELETED', route]]);
await controller.close();
console.log('\ndone');
