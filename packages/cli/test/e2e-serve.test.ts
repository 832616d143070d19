// `kupstream serve` through the built binary, against real TLS upstreams on loopback:
// the seed's three scenarios, reloading, and a clean stop.
import assert from 'node:assert/strict';
import { createSeedPki, issue, tlsSecret, type SeedPki } from '@kupstream/test-pki';
import { stringify } from 'yaml';
import { assertBuilt, runBinary, startServe, type ServeProcess } from './helpers/cli-process.js';
import { httpGet } from './helpers/http-get.js';
import {
  SEED_AGENT_ENDPOINT,
  SEED_GATEWAY,
  SEED_HTTPROUTE,
  SEED_INGRESS,
  SEED_SERVICE,
  clientCertSecretYaml,
  keyMaterialNeedles,
} from './helpers/seed-manifests.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { startTlsUpstream, type TlsUpstream, type UpstreamAnswer } from './helpers/tls-upstream.js';
import { waitFor } from './helpers/wait.js';

describe('e2e: kupstream serve (built binary, real TLS upstreams)', () => {
  let pki: SeedPki;
  let mtlsUpstream: TlsUpstream;
  let tlsUpstream: TlsUpstream;
  let dir: TempDir;
  let serve: ServeProcess | undefined;

  before(async () => {
    assertBuilt();
    pki = await createSeedPki();
    // server.crt / server.key terminate TLS; ca.crt validates client certificates (the seed's step 2).
    mtlsUpstream = await startTlsUpstream('mtls', { cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
    tlsUpstream = await startTlsUpstream('tls', { cert: pki.server.certPem, key: pki.server.keyPem });
  });
  after(async () => {
    await mtlsUpstream?.close();
    await tlsUpstream?.close();
  });
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    await serve?.stop('SIGKILL');
    serve = undefined;
    dir.remove();
  });

  async function answerFor(host: string, path = '/'): Promise<UpstreamAnswer> {
    assert.ok(serve);
    const answer = await httpGet(serve.port, host, path);
    assert.equal(
      answer.status,
      200,
      `GET ${host}${path} → ${answer.status} ${JSON.stringify(answer.headers)} ${answer.body}\nserve stderr:\n${serve.stderr()}`,
    );
    return JSON.parse(answer.body) as UpstreamAnswer;
  }

  it('Gateway API: Host example-hostname.ngrok.io reaches the mTLS upstream, which sees CN=ExampleClient', async () => {
    dir.write('gateway.yaml', SEED_GATEWAY);
    dir.write('httproute.yaml', SEED_HTTPROUTE);
    dir.write('service.yaml', SEED_SERVICE);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    serve = await startServe([
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--resolve',
      `example-service.default:443=127.0.0.1:${mtlsUpstream.port}`,
    ]);
    assert.match(serve.stdout(), /^kupstream: serving 1 endpoint on http:\/\/127\.0\.0\.1:\d+\n$/);
    const answer = await answerFor('example-hostname.ngrok.io', '/hello');
    assert.deepEqual(answer, { upstream: 'mtls', path: '/hello', host: answer.host, clientSubject: 'CN=ExampleClient' });
    const code = await serve.stop('SIGTERM');
    assert.equal(code, 0, serve.stderr());
    assert.match(serve.stderr(), /kupstream: stopped\n$/);
    for (const needle of keyMaterialNeedles(pki))
      assert.ok(!serve.stderr().includes(needle) && !serve.stdout().includes(needle), 'key material in the logs');
  });

  it('AgentEndpoint: the upstream https://my-service.my-namespace:8443 sees CN=ExampleClient', async () => {
    dir.write('agent-endpoint.yaml', SEED_AGENT_ENDPOINT);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    serve = await startServe([
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--resolve',
      `my-service.my-namespace:8443=127.0.0.1:${mtlsUpstream.port}`,
    ]);
    const answer = await answerFor('example-hostname.ngrok.io');
    assert.equal(answer.upstream, 'mtls');
    assert.equal(answer.clientSubject, 'CN=ExampleClient');
  });

  it('Ingress: reaches the https upstream over TLS without a client certificate', async () => {
    dir.write('service.yaml', SEED_SERVICE);
    dir.write('ingress.yaml', SEED_INGRESS);
    serve = await startServe([
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--resolve',
      `example-service.default:443=127.0.0.1:${tlsUpstream.port}`,
    ]);
    const answer = await answerFor('example-hostname.ngrok.io');
    assert.equal(answer.upstream, 'tls');
    assert.equal(answer.clientSubject, null);
  });

  it('reloads on change: a new file adds a route; a broken file keeps the running configuration until fixed', async () => {
    dir.write('agent-endpoint.yaml', SEED_AGENT_ENDPOINT);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    serve = await startServe([
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--resolve',
      `my-service.my-namespace:8443=127.0.0.1:${mtlsUpstream.port}`,
      '--resolve',
      `second-service.default:9443=127.0.0.1:${mtlsUpstream.port}`,
    ]);
    const running = serve;
    assert.equal((await answerFor('example-hostname.ngrok.io')).clientSubject, 'CN=ExampleClient');
    assert.notEqual((await httpGet(running.port, 'second.ngrok.io')).status, 200, 'no route for second.ngrok.io yet');

    const secondEndpoint = SEED_AGENT_ENDPOINT.replace('example-agent-endpoint', 'second-agent-endpoint')
      .replace('https://example-hostname.ngrok.io', 'https://second.ngrok.io')
      .replace('https://my-service.my-namespace:8443', 'https://second-service.default:9443');
    dir.write('second.yaml', secondEndpoint);
    await waitFor('the new route', async () => (await httpGet(running.port, 'second.ngrok.io')).status === 200);
    assert.equal((await answerFor('second.ngrok.io', '/two')).clientSubject, 'CN=ExampleClient');
    assert.match(running.stderr(), /kupstream: reloaded: serving 2 endpoints\n/);

    const broken = dir.write('second.yaml', 'apiVersion: ngrok.k8s.ngrok.com/v1alpha1\nkind: AgentEndpoint\nmetadata: {name: [oops\n');
    await waitFor('the reload error', () => running.stderr().includes('reload failed'));
    assert.match(
      running.stderr(),
      new RegExp(`kupstream: cannot parse ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(document 1, line \\d+, column \\d+\\): `),
    );
    assert.equal((await answerFor('second.ngrok.io')).clientSubject, 'CN=ExampleClient', 'the previous configuration still serves');

    dir.write('second.yaml', secondEndpoint);
    await waitFor('the recovery', () => running.stderr().includes('the input reads again and matches the running configuration'));
  });

  it('keeps answering while a large reload is parsed: the parse runs off the event loop', async function () {
    this.timeout(120_000);
    dir.write('agent-endpoint.yaml', SEED_AGENT_ENDPOINT);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    serve = await startServe([
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--resolve',
      `my-service.my-namespace:8443=127.0.0.1:${mtlsUpstream.port}`,
    ]);
    const running = serve;
    assert.equal((await answerFor('example-hostname.ngrok.io')).clientSubject, 'CN=ExampleClient');
    // 40,000 Services in one List: seconds of YAML parsing, then a cheap translation.
    const services = Array.from({ length: 40_000 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `bulk-${i}`, namespace: 'default' },
    }));
    const wrote = Date.now();
    dir.write('bulk.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: services }));
    // Answer times of requests sent back to back until the reload is logged.
    const answered: number[] = [];
    while (!running.stderr().includes('reloaded: serving')) {
      const answer = await httpGet(running.port, 'example-hostname.ngrok.io');
      assert.equal(answer.status, 200, answer.body);
      answered.push(Date.now());
    }
    const reloaded = Date.now();
    // A parse on the event loop would answer nothing while it runs, and it fills most of the
    // window between the write and the reload: requests must go on answering in its second half.
    const middle = wrote + (reloaded - wrote) / 2;
    const late = answered.filter((at) => at >= middle).length;
    assert.ok(late >= 10, `${late} of ${answered.length} answers in the second half of a ${reloaded - wrote} ms reload`);
  });

  it('reloads a rotated client certificate: the upstream sees the new identity', async () => {
    dir.write('agent-endpoint.yaml', SEED_AGENT_ENDPOINT);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    serve = await startServe([
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--resolve',
      `my-service.my-namespace:8443=127.0.0.1:${mtlsUpstream.port}`,
    ]);
    assert.equal((await answerFor('example-hostname.ngrok.io')).clientSubject, 'CN=ExampleClient');

    const rotated = await issue(pki.ca, { subject: 'CN=RotatedClient', extendedKeyUsage: ['clientAuth'] });
    dir.write('client-cert-secret.yaml', stringify(tlsSecret('client-cert-secret', rotated)));
    await waitFor(
      'the rotated certificate at the upstream',
      async () => (await answerFor('example-hostname.ngrok.io')).clientSubject === 'CN=RotatedClient',
    );
    assert.ok(!serve.stderr().includes('PRIVATE KEY'));
  });

  describe('--admin', () => {
    it('/readyz, /metrics with the request counter, and the inspector API listing the seed endpoint', async () => {
      dir.write('gateway.yaml', SEED_GATEWAY);
      dir.write('httproute.yaml', SEED_HTTPROUTE);
      dir.write('service.yaml', SEED_SERVICE);
      dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
      serve = await startServe([
        '-f',
        dir.path,
        '--listen',
        '127.0.0.1:0',
        '--admin',
        '127.0.0.1:0',
        '--resolve',
        `example-service.default:443=127.0.0.1:${mtlsUpstream.port}`,
      ]);
      const admin = serve.adminUrl();
      assert.ok(admin, serve.stdout());
      assert.match(
        serve.stdout(),
        /^kupstream: admin at http:\/\/127\.0\.0\.1:\d+\/ \(inspector, \/healthz, \/readyz, \/metrics\)\nkupstream: serving 1 endpoint on /,
      );
      assert.equal((await fetch(`${admin}/healthz`)).status, 200);
      const ready = await fetch(`${admin}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(await ready.text(), 'ready\n');

      assert.equal((await answerFor('example-hostname.ngrok.io', '/counted')).clientSubject, 'CN=ExampleClient');
      const metrics = await waitFor('the request in the metrics', async () => {
        const text = await (await fetch(`${admin}/metrics`)).text();
        return /\nkupstream_requests_total\{[^}]*code="200"[^}]*\} 1\n/.test(text) ? text : undefined;
      });
      assert.match(metrics, /kupstream_requests_total\{[^}]*endpoint="[^"]*example-hostname\.ngrok\.io[^"]*"/);
      assert.match(metrics, /\nkupstream_translation_duration_seconds_count 1\n/);
      // Pool and handshake facts come from the agent's proxy.stats() at scrape time.
      assert.match(
        metrics,
        /\nkupstream_upstream_tls_handshakes_total\{[^}]*upstream="default\/example-service:443\+mtls:default\/client-cert-secret"[^}]*\} [1-9]/,
      );
      assert.match(
        metrics,
        /\nkupstream_upstream_pool_connections\{[^}]*upstream="default\/example-service:443\+mtls:default\/client-cert-secret"/,
      );

      const { endpoints } = (await (await fetch(`${admin}/api/endpoints`)).json()) as { endpoints: { url: string }[] };
      assert.deepEqual(
        endpoints.map((e) => e.url),
        ['https://example-hostname.ngrok.io'],
      );
      const { requests } = (await (await fetch(`${admin}/api/requests`)).json()) as { requests: { path: string; status: number }[] };
      assert.deepEqual(
        requests.map((r) => [r.path, r.status]),
        [['/counted', 200]],
      );
      const upstreams = await (await fetch(`${admin}/api/upstreams`)).text();
      assert.match(upstreams, /"subject":"CN=ExampleClient"/);
      for (const needle of keyMaterialNeedles(pki)) assert.ok(!upstreams.includes(needle), 'key material in the inspector API');
    });

    it('a non-loopback address is refused without --admin-allow-remote (exit 2), and warned about with it', async () => {
      dir.write('agent-endpoint.yaml', SEED_AGENT_ENDPOINT);
      const refused = await runBinary(['serve', '-f', dir.path, '--listen', '127.0.0.1:0', '--admin', '0.0.0.0:0']);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /^kupstream: refusing to serve the admin page on every interface: .*--admin-allow-remote/);
      serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', '--admin', '0.0.0.0:0', '--admin-allow-remote']);
      assert.match(serve.stderr(), /kupstream: warning: the admin server listens on every interface, not loopback/);
    });
  });

  describe('graceful shutdown', () => {
    let slowUpstream: TlsUpstream;
    before(async () => {
      slowUpstream = await startTlsUpstream('slow', { cert: pki.server.certPem, key: pki.server.keyPem, slowMs: 1500 });
    });
    after(async () => {
      await slowUpstream?.close();
    });
    const startSlow = async (extra: string[]) => {
      dir.write('service.yaml', SEED_SERVICE);
      dir.write('ingress.yaml', SEED_INGRESS);
      return startServe([
        '-f',
        dir.path,
        '--listen',
        '127.0.0.1:0',
        '--resolve',
        `example-service.default:443=127.0.0.1:${slowUpstream.port}`,
        ...extra,
      ]);
    };

    it('SIGTERM: no new connections, the request in flight completes, exit 0', async () => {
      serve = await startSlow(['--shutdown-timeout', '5s']);
      const running = serve;
      const inFlight = httpGet(running.port, 'example-hostname.ngrok.io', '/slow/one');
      await waitFor('the request at the upstream', () => slowUpstream.received.includes('/slow/one'));
      const exited = running.stop('SIGTERM');
      await waitFor('the stop to begin', () => running.stderr().includes('kupstream: stopping: draining requests in flight (at most 5 s)'));
      await assert.rejects(httpGet(running.port, 'example-hostname.ngrok.io', '/new'), /ECONNREFUSED/);
      const answer = await inFlight;
      assert.equal(answer.status, 200, answer.body);
      assert.equal((JSON.parse(answer.body) as UpstreamAnswer).path, '/slow/one');
      assert.equal(await exited, 0, running.stderr());
      assert.match(running.stderr(), /kupstream: stopped\n$/);
    });

    it('--shutdown-timeout bounds the wait: a request still running then is cut, and the exit is still 0', async () => {
      serve = await startSlow(['--shutdown-timeout', '200ms']);
      const running = serve;
      const inFlight = httpGet(running.port, 'example-hostname.ngrok.io', '/slow/two').then(
        (answer) => `answered ${answer.status}`,
        (error: Error) => `cut: ${error.message}`,
      );
      await waitFor('the request at the upstream', () => slowUpstream.received.includes('/slow/two'));
      const started = Date.now();
      assert.equal(await running.stop('SIGTERM'), 0, running.stderr());
      assert.ok(Date.now() - started < 1400, 'stopped at the timeout, before the upstream answered');
      assert.match(await inFlight, /^cut: /);
      assert.match(running.stderr(), /kupstream: requests still in flight after 200 ms were cut\n/);
    });
  });

  it('--log-format json: every stderr line is a JSON object with level, time and message, never key material', async () => {
    dir.write('agent-endpoint.yaml', SEED_AGENT_ENDPOINT);
    dir.write('client-cert-secret.yaml', clientCertSecretYaml(pki));
    serve = await startServe([
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--log-format',
      'json',
      '--resolve',
      `my-service.my-namespace:8443=127.0.0.1:1`,
    ]);
    // An upstream that refuses connections: a warning with its code.
    assert.equal((await httpGet(serve.port, 'example-hostname.ngrok.io')).status, 502);
    const code = await serve.stop('SIGTERM');
    assert.equal(code, 0);
    const lines = serve
      .stderr()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: string; time: string; msg: string });
    for (const line of lines) {
      assert.match(line.level, /^(info|warn|error)$/);
      assert.ok(!Number.isNaN(Date.parse(line.time)), line.time);
    }
    assert.ok(
      lines.some((l) => l.level === 'info' && /^\d+ diagnostics?: /.test(l.msg)),
      serve.stderr(),
    );
    assert.ok(
      lines.some((l) => l.level === 'warn' && /failed \(connection_refused\)/.test(l.msg)),
      serve.stderr(),
    );
    assert.equal(lines.at(-1)?.msg, 'stopped');
    for (const needle of keyMaterialNeedles(pki)) assert.ok(!serve.stderr().includes(needle), 'key material in the logs');
  });

  it('a listen address in use: exit 2 saying so', async () => {
    dir.write('agent-endpoint.yaml', SEED_AGENT_ENDPOINT);
    const run = await runBinary(['serve', '-f', dir.path, '--listen', `127.0.0.1:${mtlsUpstream.port}`]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`kupstream: cannot listen on 127\\.0\\.0\\.1:${mtlsUpstream.port}: the address is in use\n$`));
  });

  it('input that cannot be parsed: exit 2 before listening, the file named', async () => {
    const bad = dir.write('bad.yaml', 'kind: [\n');
    const run = await runBinary(['serve', '-f', dir.path, '--listen', '127.0.0.1:0']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      new RegExp(`^kupstream: cannot parse ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(document 1, line 2, column 1\\): `),
    );
  });
});
