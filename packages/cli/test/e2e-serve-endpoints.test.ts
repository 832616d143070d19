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

  it("runs the Service's active health checks: ejects an endpoint failing them, reports one refusing our certificate, in /metrics and the inspector", async () => {
    let sickStatus = 503;
    const foreign = await createSeedPki({ serverNames: ['example-service.default'] });
    const extra = await Promise.all([
      startTlsUpstream('pod-sick', {
        cert: pki.server.certPem,
        key: pki.server.keyPem,
        clientCa: pki.ca.certPem,
        healthStatus: () => sickStatus,
      }),
      // Trusts another CA only: our client certificate is refused at the handshake.
      startTlsUpstream('pod-refusing', { cert: pki.server.certPem, key: pki.server.keyPem, clientCa: foreign.ca.certPem }),
    ]);
    try {
      const service = parse(SEED_SERVICE) as { metadata: { annotations: Record<string, string> } };
      Object.assign(service.metadata.annotations, {
        'kupstream.dev/load-balancer': 'round-robin',
        'kupstream.dev/health-check': 'http',
        'kupstream.dev/health-check-path': '/healthz',
        'kupstream.dev/health-check-interval': '50ms',
        'kupstream.dev/health-check-timeout': '2s',
        'kupstream.dev/health-check-unhealthy-threshold': '2',
        'kupstream.dev/health-check-healthy-threshold': '1',
      });
      dir.write('gateway.yaml', SEED_GATEWAY);
      dir.write('httproute.yaml', SEED_HTTPROUTE);
      dir.write('service.yaml', stringify(service));
      dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
      dir.write('slice-a.yaml', sliceYaml('example-service-a', upstreams[0]!.port, ['127.0.0.1']));
      dir.write('slice-sick.yaml', sliceYaml('example-service-sick', extra[0]!.port, ['127.0.0.1']));
      dir.write('slice-refusing.yaml', sliceYaml('example-service-refusing', extra[1]!.port, ['127.0.0.1']));
      serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0']);
      const admin = serve.adminUrl()!;
      const upstream = 'default/example-service:443+mtls:default/client-cert-secret';
      const label = `upstream="${upstream}"`;
      const metrics = async () => (await fetch(`${admin}/metrics`)).text();
      const text = await waitFor('the sick endpoint ejected in /metrics', async () => {
        const body = await metrics();
        return body.includes(`kupstream_endpoint_ejections_total{${label}} 1`) ? body : undefined;
      }).catch((e: Error) => {
        throw new Error(`${e.message}\n${serve!.stderr()}`);
      });
      assert.ok(text.includes(`kupstream_upstream_endpoints{${label},state="ejected"} 1`), text);
      assert.match(
        text,
        new RegExp(`kupstream_health_check_failures_total\\{${label.replace(/[.+/]/g, '\\$&')},code="unexpected_status"\\} [1-9]`),
      );
      // Refused identity: counted and reported, never ejected.
      const refused = await waitFor('the refusing endpoint reported', async () => {
        const body = await metrics();
        return /code="client_certificate_rejected"\} [1-9]/.test(body) ? body : undefined;
      });
      assert.ok(refused.includes(`kupstream_upstream_endpoints{${label},state="healthy"} 2`), refused);
      assert.match(serve.stderr(), new RegExp(`health check of 127\\.0\\.0\\.1:${extra[1]!.port} refused: client_certificate_rejected`));
      // The inspector: each endpoint's state and last check.
      const views = (await (await fetch(`${admin}/api/upstreams`)).json()) as {
        upstreams: { name: string; endpoints?: { endpoint: string; state: string; lastCheck?: { outcome: string; code?: string } }[] }[];
      };
      const endpoints = views.upstreams.find((u) => u.name === upstream)!.endpoints!;
      const byPort = (port: number) => endpoints.find((e) => e.endpoint === `127.0.0.1:${port}`)!;
      assert.equal(byPort(extra[0]!.port).state, 'ejected');
      assert.equal(byPort(extra[1]!.port).state, 'healthy');
      assert.deepEqual(byPort(extra[1]!.port).lastCheck?.outcome, 'rejected');
      assert.equal(byPort(upstreams[0]!.port).state, 'healthy');
      // The refusal is the route's UpstreamHandshake condition, as a failed probe's would be.
      const diagnostics = (await (await fetch(`${admin}/api/diagnostics`)).json()) as {
        statuses: { kind: string; conditions: { type: string; status: string; reason: string }[] }[];
      };
      const route = diagnostics.statuses.find((s) => s.kind === 'HTTPRoute')!;
      assert.deepEqual(
        route.conditions.filter((c) => c.type === 'kupstream.dev/UpstreamHandshake').map((c) => [c.status, c.reason]),
        [['False', 'client_certificate_rejected']],
      );
      // Traffic skips the ejected endpoint until it recovers, then it comes back.
      sickStatus = 200;
      await waitFor('the sick endpoint readmitted in /metrics', async () =>
        (await metrics()).includes(`kupstream_endpoint_readmissions_total{${label}} 1`),
      );
    } finally {
      await Promise.all(extra.map((u) => u.close()));
    }
  });

  it('an explicit --resolve for the Service wins over its EndpointSlices (empty, or pod addresses a local run cannot reach)', async () => {
    dir.write('gateway.yaml', SEED_GATEWAY);
    dir.write('httproute.yaml', SEED_HTTPROUTE);
    dir.write('service.yaml', SEED_SERVICE);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    // As exported from a cluster: one slice without endpoints, one with a pod address not reachable here.
    dir.write('slice-a.yaml', sliceYaml('example-service-a', 8443, []));
    dir.write('slice-b.yaml', sliceYaml('example-service-b', 8443, ['10.255.255.1']));
    serve = await startServe([
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--resolve',
      `example-service.default:443=127.0.0.1:${upstreams[1]!.port}`,
    ]);
    for (let i = 0; i < 3; i++) {
      const answer = await httpGet(serve.port, 'example-hostname.ngrok.io', `/resolved/${i}`);
      assert.equal(answer.status, 200, `${answer.body}\n${serve.stderr()}`);
      assert.equal((JSON.parse(answer.body) as { upstream: string }).upstream, 'pod-b');
    }
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

  it("--workers 2: each worker checks the endpoints; the primary's /metrics and inspector show them", async () => {
    const sick = await startTlsUpstream('pod-sick', {
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      clientCa: pki.ca.certPem,
      healthStatus: () => 503,
    });
    try {
      const service = parse(SEED_SERVICE) as { metadata: { annotations: Record<string, string> } };
      Object.assign(service.metadata.annotations, {
        'kupstream.dev/health-check': 'http',
        'kupstream.dev/health-check-path': '/healthz',
        'kupstream.dev/health-check-interval': '50ms',
        'kupstream.dev/health-check-unhealthy-threshold': '1',
      });
      dir.write('gateway.yaml', SEED_GATEWAY);
      dir.write('httproute.yaml', SEED_HTTPROUTE);
      dir.write('service.yaml', stringify(service));
      dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
      dir.write('slice-a.yaml', sliceYaml('example-service-a', upstreams[0]!.port, ['127.0.0.1']));
      dir.write('slice-sick.yaml', sliceYaml('example-service-sick', sick.port, ['127.0.0.1']));
      serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--workers', '2']);
      const admin = serve.adminUrl()!;
      const label = 'upstream="default/example-service:443+mtls:default/client-cert-secret"';
      // Both workers ejected it: the counter sums them, the endpoint counts once.
      const text = await waitFor(
        "both workers' ejections in /metrics",
        async () => {
          const body = await (await fetch(`${admin}/metrics`)).text();
          return body.includes(`kupstream_endpoint_ejections_total{${label}} 2`) ? body : undefined;
        },
        20_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${serve!.stderr()}`);
      });
      assert.ok(text.includes(`kupstream_upstream_endpoints{${label},state="ejected"} 1`), text);
      assert.ok(text.includes(`kupstream_upstream_endpoints{${label},state="healthy"} 1`), text);
      for (let i = 0; i < 4; i++) {
        const answer = await httpGet(serve.port, 'example-hostname.ngrok.io', `/w/${i}`);
        assert.equal((JSON.parse(answer.body) as { upstream: string }).upstream, 'pod-a');
      }
    } finally {
      await sick.close();
    }
  });
});
