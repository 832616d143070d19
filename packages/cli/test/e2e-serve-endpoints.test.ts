// EndpointSlices through the binary: `serve -f` with the seed's manifests and EndpointSlices
// of example-service dials each endpoint address (no --resolve: the slices say where the
// pods are), spreads requests over them as the Service's kupstream.dev/load-balancer says,
// and follows the slices when the file changes — without the model (or any status) changing.
import assert from 'node:assert/strict';
import { parse, stringify } from 'yaml';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import { startServe, type ServeProcess } from './helpers/cli-process.js';
import { httpGet } from './helpers/http-get.js';
import { clientCertSecretYaml, SEED_GATEWAY, SEED_HTTPROUTE, SEED_SERVICE } from './helpers/seed-manifests.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { startTlsUpstream, type TlsUpstream } from './helpers/tls-upstream.js';
import { waitFor } from './helpers/wait.js';

/** One EndpointSlice of example-service: its https-port (the Service's 443) is `port` on `addresses`. */
function sliceYaml(name: string, port: number, addresses: string[]): string {
  return stringify({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'example-service' } },
    addressType: 'IPv4',
    ports: [{ name: 'https-port', port, protocol: 'TCP' }],
    endpoints: addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })),
  });
}

describe('serve -f with EndpointSlices', function () {
  this.timeout(90_000);
  let pki: SeedPki;
  let upstreams: TlsUpstream[];
  let dir: TempDir;
  let serve: ServeProcess | undefined;
  before(async () => {
    pki = await createSeedPki({ serverNames: ['example-service.default'] });
    upstreams = await Promise.all(
      ['pod-a', 'pod-b'].map((name) =>
        startTlsUpstream(name, { cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem }),
      ),
    );
  });
  after(async () => {
    await Promise.all(upstreams.map((u) => u.close()));
  });
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    await serve?.stop('SIGKILL');
    serve = undefined;
    dir.remove();
  });

  it('dials the endpoints round robin with the client certificate, and follows the slices when they change', async () => {
    const service = parse(SEED_SERVICE) as { metadata: { annotations: Record<string, string> } };
    service.metadata.annotations['kupstream.dev/load-balancer'] = 'round-robin';
    dir.write('gateway.yaml', SEED_GATEWAY);
    dir.write('httproute.yaml', SEED_HTTPROUTE);
    dir.write('service.yaml', stringify(service));
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    // Two slices (each pod listens on its own port here; in a cluster they share one).
    dir.write('slice-a.yaml', sliceYaml('example-service-a', upstreams[0]!.port, ['127.0.0.1']));
    dir.write('slice-b.yaml', sliceYaml('example-service-b', upstreams[1]!.port, ['127.0.0.1']));
    serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0']);
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const answer = await httpGet(serve.port, 'example-hostname.ngrok.io', `/spread/${i}`);
      assert.equal(answer.status, 200, answer.body);
      const body = JSON.parse(answer.body) as { upstream: string; clientSubject: string | null };
      assert.equal(body.clientSubject, 'CN=ExampleClient');
      seen.push(body.upstream);
    }
    assert.deepEqual(seen.filter((u) => u === 'pod-a').length, 3, seen.join(','));
    const admin = serve.adminUrl()!;
    // (A file reload translates again at a new time: the conditions' transition times are left out.)
    const statuses = async () =>
      JSON.stringify(((await (await fetch(`${admin}/api/diagnostics`)).json()) as { statuses: unknown }).statuses).replace(
        /"lastTransitionTime":"[^"]*"/g,
        '',
      );
    const statusesBefore = await statuses();

    // pod-b's slice empties: after the reload every request goes to pod-a.
    dir.write('slice-b.yaml', sliceYaml('example-service-b', upstreams[1]!.port, []));
    await waitFor('the reload', () => serve!.stderr().includes('reloaded') || serve!.stdout().includes('reloaded')).catch((e: Error) => {
      throw new Error(`${e.message}\n${serve!.stdout()}\n${serve!.stderr()}`);
    });
    const before = upstreams[1]!.received.length;
    for (let i = 0; i < 4; i++) {
      const answer = await httpGet(serve.port, 'example-hostname.ngrok.io', `/after/${i}`);
      assert.equal((JSON.parse(answer.body) as { upstream: string }).upstream, 'pod-a');
    }
    assert.equal(upstreams[1]!.received.length, before);
    assert.equal(await statuses(), statusesBefore, 'endpoints never change a status');
  });

  it('reaches the workers of --workers 2 too: every worker dials the endpoints (no --resolve)', async () => {
    dir.write('gateway.yaml', SEED_GATEWAY);
    dir.write('httproute.yaml', SEED_HTTPROUTE);
    dir.write('service.yaml', SEED_SERVICE);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    dir.write('slice-a.yaml', sliceYaml('example-service-a', upstreams[0]!.port, ['127.0.0.1']));
    dir.write('slice-b.yaml', sliceYaml('example-service-b', upstreams[1]!.port, ['127.0.0.1']));
    serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', '--workers', '2']);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const answer = await httpGet(serve.port, 'example-hostname.ngrok.io', `/workers/${i}`);
      assert.equal(answer.status, 200, `${answer.body}\n${serve.stderr()}`);
      const body = JSON.parse(answer.body) as { upstream: string; clientSubject: string | null };
      assert.equal(body.clientSubject, 'CN=ExampleClient');
      seen.add(body.upstream);
    }
    assert.deepEqual([...seen].sort(), ['pod-a', 'pod-b']);
  });
});
