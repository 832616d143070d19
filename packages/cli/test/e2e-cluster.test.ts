// Cluster mode through the built binary, against the test API server: `translate
// --kubeconfig` (same bytes as file mode, statuses written back, errors) and `serve
// --kubeconfig` (traffic, routing that follows the cluster, status writes by the leader).
import assert from 'node:assert/strict';
import type { TranslationModel } from '@kupstream/core';
import { createCa, createSeedPki, type SeedPki } from '@kupstream/test-pki';
import { stringify } from 'yaml';
import { FakeApiServer, HOST_TOKEN } from '@kupstream/fake-kube-api';
import { assertBuilt, runBinary, servingPort, startServe, type ServeProcess } from './helpers/cli-process.js';
import { httpGet } from './helpers/http-get.js';
import { keyMaterialNeedles } from './helpers/seed-manifests.js';
import { routeTo, secondService, seedClusterObjects } from './helpers/seed-objects.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { startTlsUpstream, type TlsUpstream, type UpstreamAnswer } from './helpers/tls-upstream.js';
import { delay, waitFor } from './helpers/wait.js';

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const GW = 'gateway.networking.k8s.io/v1';
/** Replicas of `serve` authenticate as users of their own, so their Lease calls stay out of the ClusterRole check of rbac.test.ts. */
const REPLICA_TOKENS = { 'replica-a-token': 'kupstream-replica-a', 'replica-b-token': 'kupstream-replica-b' };
/** Another controller's class and Gateway: in a cluster kupstream neither translates them nor touches their status. */
const OTHER_CONTROLLER = [
  { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'other' }, spec: { controllerName: 'example.com/other-controller' } },
  {
    apiVersion: GW,
    kind: 'Gateway',
    metadata: { namespace: 'default', name: 'other-gateway' },
    spec: { gatewayClassName: 'other', listeners: [{ name: 'web', hostname: 'other.example.com', port: 80, protocol: 'HTTP' }] },
  },
];

function assertNoStackTrace(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+|node:internal|Error: /, `stderr looks like a stack trace:\n${text}`);
}

describe('e2e: cluster mode (built binary, test API server)', () => {
  let pki: SeedPki;
  let api: FakeApiServer;
  let dir: TempDir;
  let kubeconfig: string;

  before(async () => {
    assertBuilt();
    pki = await createSeedPki();
  });
  beforeEach(async () => {
    api = await FakeApiServer.start({ users: { [HOST_TOKEN]: 'system:serviceaccount:kupstream:kupstream', ...REPLICA_TOKENS } });
    dir = makeTempDir();
    kubeconfig = dir.write('kubeconfig.yaml', api.kubeconfig());
  });
  afterEach(async () => {
    await api.close();
    dir.remove();
  });

  describe('translate --kubeconfig', () => {
    it('prints byte for byte what file mode prints for the same objects, with listing progress on stderr', async () => {
      for (const object of [...seedClusterObjects(pki), ...OTHER_CONTROLLER]) api.put(object);
      const fromCluster = await runBinary(['translate', '--kubeconfig', kubeconfig, '--now', NOW]);
      assert.equal(fromCluster.code, 0, fromCluster.stderr);
      assert.match(fromCluster.stderr, /kupstream: listed 2 gateways\.gateway\.networking\.k8s\.io \(v1\)\n/);
      assert.match(fromCluster.stderr, /kupstream: listed 1 secrets \(v1\)\n/);

      // The same objects, as the API server holds them (uid, resourceVersion, generation), as files.
      const files = makeTempDir();
      try {
        for (const object of [...seedClusterObjects(pki), ...OTHER_CONTROLLER]) {
          const meta = object.metadata as { namespace?: string; name: string };
          const stored = api.get(object.apiVersion as string, object.kind as string, meta.namespace, meta.name);
          files.write(`${String(object.kind)}-${meta.name}.yaml`, stringify(stored));
        }
        const fromFiles = await runBinary(['translate', '-f', files.path, '--now', NOW]);
        assert.equal(fromFiles.code, 0, fromFiles.stderr);
        assert.equal(fromCluster.stdout, fromFiles.stdout);
      } finally {
        files.remove();
      }
      const model = JSON.parse(fromCluster.stdout) as TranslationModel;
      assert.deepEqual(
        model.endpoints.map((e) => e.url),
        ['https://example-hostname.ngrok.io'],
      );
      assert.equal(model.upstreams[0]?.tls?.clientCertificate?.subject, 'CN=ExampleClient');
      for (const needle of keyMaterialNeedles(pki))
        assert.ok(!fromCluster.stdout.includes(needle) && !fromCluster.stderr.includes(needle), 'key material in the output');
      assert.deepEqual(
        api.calls.filter((c) => c.method !== 'GET'),
        [],
        'translate without --write-status writes nothing',
      );
    });

    it("--write-status PATCHes each status once (not another controller's), and a second run finds nothing to change", async () => {
      for (const object of [...seedClusterObjects(pki), ...OTHER_CONTROLLER]) api.put(object);
      const run = await runBinary(['translate', '--kubeconfig', kubeconfig, '--now', NOW, '--write-status']);
      assert.equal(run.code, 0, run.stderr);
      const model = JSON.parse(run.stdout) as TranslationModel;
      assert.deepEqual(model.statuses.map((s) => s.kind).sort(), ['Gateway', 'GatewayClass', 'HTTPRoute']);
      const patches = api.calls.filter((c) => c.method === 'PATCH');
      assert.deepEqual(patches.map((c) => c.path).sort(), [
        '/apis/gateway.networking.k8s.io/v1/gatewayclasses/ngrok/status',
        '/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/example-gateway/status',
        '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/example-route/status',
      ]);
      for (const status of model.statuses)
        assert.deepEqual(
          api.get(status.apiVersion, status.kind, status.namespace, status.name)?.status,
          status.status,
          `${status.kind} status as printed`,
        );
      assert.equal(api.get(GW, 'Gateway', 'default', 'other-gateway')?.status, undefined);
      assert.match(run.stderr, /kupstream: wrote 3 statuses \(0 unchanged, 0 failed\)\n/);

      const again = await runBinary(['translate', '--kubeconfig', kubeconfig, '--now', NOW, '--write-status']);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(api.calls.filter((c) => c.method === 'PATCH').length, 3, 'nothing changed: no more PATCH');
      assert.match(again.stderr, /kupstream: wrote 0 statuses \(3 unchanged, 0 failed\)\n/);
    });

    it('cluster errors: exit 2 with one clear line, no stack trace', async () => {
      const badToken = dir.write('bad-token.yaml', api.kubeconfig({ token: 'not-a-known-token' }));
      const unreachable = dir.write('unreachable.yaml', api.kubeconfig().replace(/127\.0\.0\.1:\d+/, '127.0.0.1:1'));
      const [unauthorized, refused] = await Promise.all([
        runBinary(['translate', '--kubeconfig', badToken]),
        runBinary(['translate', '--kubeconfig', unreachable]),
      ]);
      assert.equal(unauthorized.code, 2);
      assert.equal(unauthorized.stdout, '');
      assert.match(
        unauthorized.stderr,
        /kupstream: http:\/\/127\.0\.0\.1:\d+ did not accept the kubeconfig's credentials \(401\) to list /,
      );
      assertNoStackTrace(unauthorized.stderr);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /kupstream: cannot reach http:\/\/127\.0\.0\.1:1 to list .*ECONNREFUSED/);
      assertNoStackTrace(refused.stderr);
    });

    it('a failed status write is a cluster error: exit 2 after printing, the failure named', async () => {
      for (const object of seedClusterObjects(pki)) api.put(object);
      api.failNext({ method: 'PATCH', path: /httproutes/, statusCode: 422, times: 1 });
      const run = await runBinary(['translate', '--kubeconfig', kubeconfig, '--now', NOW, '--write-status']);
      assert.equal(run.code, 2, run.stderr);
      assert.ok(JSON.parse(run.stdout), 'the translation is printed');
      assert.match(run.stderr, /kupstream: status not written: httproutes\.gateway\.networking\.k8s\.io default\/example-route: /);
      assert.match(run.stderr, /kupstream: wrote 2 statuses \(0 unchanged, 1 failed\)\n/);
    });
  });

  describe('serve --kubeconfig', () => {
    let mtls: TlsUpstream;
    let tls: TlsUpstream;
    const replicas: ServeProcess[] = [];

    before(async () => {
      mtls = await startTlsUpstream('mtls', { cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
      tls = await startTlsUpstream('tls', { cert: pki.server.certPem, key: pki.server.keyPem });
    });
    after(async () => {
      await mtls?.close();
      await tls?.close();
    });
    afterEach(async () => {
      await Promise.all(replicas.splice(0).map((r) => r.stop('SIGKILL')));
    });

    const replica = async (
      token: keyof typeof REPLICA_TOKENS,
      extra: string[] = [],
      options: { waitForServing?: boolean; writeStatus?: boolean } = {},
    ) => {
      const config = dir.write(`${token}.yaml`, api.kubeconfig({ token, namespace: 'kupstream' }));
      const serve = await startServe(
        [
          '--kubeconfig',
          config,
          '--listen',
          '127.0.0.1:0',
          ...(options.writeStatus === false ? [] : ['--write-status']),
          '--resolve',
          `example-service.default:443=127.0.0.1:${mtls.port}`,
          '--resolve',
          `second-service.default:443=127.0.0.1:${tls.port}`,
          ...extra,
        ],
        options,
      );
      replicas.push(serve);
      return serve;
    };
    const answer = async (serve: ServeProcess): Promise<UpstreamAnswer> => {
      const reply = await httpGet(serve.port, 'example-hostname.ngrok.io', '/');
      assert.equal(reply.status, 200, `${reply.status} ${reply.body}\n${serve.stderr()}`);
      return JSON.parse(reply.body) as UpstreamAnswer;
    };
    const patchesBy = (user: string) => api.calls.filter((c) => c.method === 'PATCH' && c.user === user);
    const leaseHolder = () =>
      (api.get('coordination.k8s.io/v1', 'Lease', 'kupstream', 'kupstream-status-writer')?.spec as { holderIdentity?: string } | undefined)
        ?.holderIdentity;

    it('serves the cluster, follows an HTTPRoute change, writes statuses once; /readyz waits for the initial sync', async () => {
      for (const object of seedClusterObjects(pki)) api.put(object);
      api.put(secondService('second-service'));
      // A slow first listing of Secrets holds the initial sync back.
      api.failNext({ method: 'GET', path: /\/secrets$/, delayMs: 1500, times: 1 });
      const serve = await replica('replica-a-token', ['--admin', '127.0.0.1:0'], { waitForServing: false });
      const admin = serve.adminUrl()!;
      const notReady = await fetch(`${admin}/readyz`);
      assert.equal(notReady.status, 503, 'not ready before the initial sync');
      assert.equal(await notReady.text(), 'not ready: initial sync not done\n');
      await servingPort(serve);
      assert.equal((await fetch(`${admin}/readyz`)).status, 200);

      const first = await answer(serve);
      assert.deepEqual([first.upstream, first.clientSubject], ['mtls', 'CN=ExampleClient']);
      await waitFor('the three status writes', () => patchesBy('kupstream-replica-a').length === 3);
      assert.match(leaseHolder() ?? '', /_[0-9a-f-]{36}$/, 'this replica holds the Lease (hostname_uuid)');
      const gateway = api.get(GW, 'Gateway', 'default', 'example-gateway');
      assert.deepEqual(
        (gateway?.status as { conditions: { type: string; status: string }[] }).conditions.map((c) => `${c.type}=${c.status}`).sort(),
        ['Accepted=True', 'Programmed=True', 'ResolvedRefs=True'],
      );

      // Our writes come back as watch events; they must not cause more writes.
      await delay(1000);
      assert.equal(patchesBy('kupstream-replica-a').length, 3, 'settled: nothing changed, nothing written');

      api.put(routeTo('second-service'));
      await waitFor('routing to the second Service', async () => (await answer(serve)).upstream === 'tls');
      // The route's generation moved: its status is written again (observedGeneration 2).
      await waitFor(
        'the HTTPRoute status rewritten',
        () => patchesBy('kupstream-replica-a').filter((c) => c.path.endsWith('/httproutes/example-route/status')).length === 2,
      );
      assert.match(serve.stderr(), /kupstream: the cluster changed: serving 1 endpoint\n/);

      const code = await serve.stop('SIGTERM');
      assert.equal(code, 0, serve.stderr());
      assert.equal(leaseHolder(), '', 'the Lease is handed back on SIGTERM');
      for (const needle of keyMaterialNeedles(pki)) assert.ok(!serve.stderr().includes(needle), 'key material in the logs');
    });

    it('--probe-upstreams: the handshake verdict is written to the cluster with the statuses, once', async () => {
      for (const object of seedClusterObjects(pki)) api.put(object);
      // An upstream that trusts another CA refuses the Gateway's client certificate.
      const other = await createCa({ subject: 'CN=OtherCA' });
      const refusing = await startTlsUpstream('refusing', { cert: pki.server.certPem, key: pki.server.keyPem, clientCa: other.certPem });
      try {
        const config = dir.write('probe.yaml', api.kubeconfig({ token: 'replica-a-token', namespace: 'kupstream' }));
        const serve = await startServe([
          '--kubeconfig',
          config,
          '--listen',
          '127.0.0.1:0',
          '--write-status',
          '--probe-upstreams',
          '200ms',
          '--resolve',
          `example-service.default:443=127.0.0.1:${refusing.port}`,
        ]);
        replicas.push(serve);
        const handshake = () => {
          const route = api.get(GW, 'HTTPRoute', 'default', 'example-route');
          const parents = (route?.status as { parents?: { conditions?: { type: string; status: string; reason: string }[] }[] } | undefined)
            ?.parents;
          return parents?.flatMap((p) => p.conditions ?? []).find((c) => c.type === 'kupstream.dev/UpstreamHandshake');
        };
        const written = await waitFor(
          'the UpstreamHandshake condition in the cluster',
          () => handshake()?.status === 'False' && handshake(),
        );
        assert.equal(written.reason, 'client_certificate_rejected');
        // Probes keep running every 200 ms; an unchanged verdict writes nothing more.
        const routeWrites = () =>
          patchesBy('kupstream-replica-a').filter((c) => c.path.endsWith('/httproutes/example-route/status')).length;
        const settled = routeWrites();
        await delay(1000);
        assert.equal(routeWrites(), settled, 'an unchanged verdict is not written again');
      } finally {
        await refusing.close();
      }
    });

    it('without --write-status: serves, and neither writes a status nor touches a Lease', async () => {
      for (const object of seedClusterObjects(pki)) api.put(object);
      const serve = await replica('replica-a-token', [], { writeStatus: false });
      assert.equal((await answer(serve)).clientSubject, 'CN=ExampleClient');
      await delay(500);
      assert.equal(await serve.stop('SIGTERM'), 0, serve.stderr());
      assert.deepEqual(
        api.calls.filter((c) => c.method !== 'GET' || c.resource?.resource === 'leases').map((c) => `${c.method} ${c.path}`),
        [],
      );
    });

    it('two replicas both serve; only the Lease holder writes; on its SIGTERM the other takes over', async () => {
      for (const object of seedClusterObjects(pki)) api.put(object);
      const a = await replica('replica-a-token');
      await waitFor('replica a to lead', () => /leading \(Lease kupstream\/kupstream-status-writer\)/.test(a.stderr()));
      const b = await replica('replica-b-token');
      assert.equal((await answer(a)).upstream, 'mtls');
      assert.equal((await answer(b)).upstream, 'mtls');
      await waitFor("the leader's three status writes", () => patchesBy('kupstream-replica-a').length === 3);
      await delay(500);
      assert.deepEqual(patchesBy('kupstream-replica-b'), [], 'a replica that does not lead writes nothing');
      assert.match(b.stderr(), /kupstream: the leader is /);

      assert.equal(await a.stop('SIGTERM'), 0, a.stderr());
      await waitFor('replica b to take over', () => /leading \(Lease kupstream\/kupstream-status-writer\)/.test(b.stderr()), 10_000);
      // The new leader writes what changed from now on.
      api.remove('v1', 'Secret', 'default', 'client-cert-secret');
      await waitFor(
        'the new leader to report the missing Secret',
        () => {
          const conditions = (
            api.get(GW, 'Gateway', 'default', 'example-gateway')?.status as { conditions?: { type: string; status: string }[] } | undefined
          )?.conditions;
          return conditions?.some((c) => c.type === 'ResolvedRefs' && c.status === 'False');
        },
        10_000,
      );
      assert.ok(patchesBy('kupstream-replica-b').length > 0);
    });
  });
});
