// Handshake truth through the binary: `serve --probe-upstreams` dials the seed's mTLS
// upstream with the Gateway's client certificate and publishes the verdict as the
// HTTPRoute parent's kupstream.dev/UpstreamHandshake condition (seen through the admin API):
// False with client_certificate_rejected while the Secret holds a certificate of another CA,
// True once the Secret is fixed — without any request being sent.
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { createCa, createSeedPki, issue, tlsSecret, type SeedPki } from '@kupstream/test-pki';
import { startServe, type ServeProcess } from './helpers/cli-process.js';
import { SEED_GATEWAY, SEED_HTTPROUTE, SEED_SERVICE } from './helpers/seed-manifests.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';
import { startTlsUpstream, type TlsUpstream } from './helpers/tls-upstream.js';
import { waitFor } from './helpers/wait.js';

interface StatusView {
  kind: string;
  name: string;
  status: { parents?: { conditions?: { type: string; status: string; reason: string; message: string }[] }[] };
}

async function handshakeCondition(admin: string) {
  const { statuses } = (await (await fetch(`${admin}/api/diagnostics`)).json()) as { statuses: StatusView[] };
  const route = statuses.find((s) => s.kind === 'HTTPRoute' && s.name === 'example-route');
  return route?.status.parents?.[0]?.conditions?.find((c) => c.type === 'kupstream.dev/UpstreamHandshake');
}

async function handshakeOfUpstream(admin: string) {
  const { upstreams } = (await (await fetch(`${admin}/api/upstreams`)).json()) as {
    upstreams: { tls?: { verification: { handshake?: { result: string } } } }[];
  };
  return upstreams.find((u) => u.tls)?.tls?.verification.handshake;
}

describe('serve --probe-upstreams', function () {
  this.timeout(90_000);
  let pki: SeedPki;
  let rogueSecret: string;
  let upstream: TlsUpstream;
  let dir: TempDir;
  let serve: ServeProcess | undefined;
  before(async () => {
    pki = await createSeedPki({ serverNames: ['example-service.default'] });
    const other = await createCa({ subject: 'CN=OtherCA' });
    const rogue = await issue(other, { subject: 'CN=ExampleClient', extendedKeyUsage: ['clientAuth'] });
    rogueSecret = stringify(tlsSecret('client-cert-secret', rogue));
    upstream = await startTlsUpstream('mtls', { cert: pki.server.certPem, key: pki.server.keyPem, clientCa: pki.ca.certPem });
  });
  after(async () => {
    await upstream?.close();
  });
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(async () => {
    await serve?.stop('SIGKILL');
    serve = undefined;
    dir.remove();
  });

  it('a rejected client certificate is a False condition; fixing the Secret turns it True', async () => {
    dir.write('gateway.yaml', SEED_GATEWAY);
    dir.write('httproute.yaml', SEED_HTTPROUTE);
    dir.write('service.yaml', SEED_SERVICE);
    dir.write('client-cert-secret.yaml', rogueSecret);
    serve = await startServe([
      '-f',
      dir.path,
      '--listen',
      '127.0.0.1:0',
      '--admin',
      '127.0.0.1:0',
      '--probe-upstreams',
      '200ms',
      '--resolve',
      `example-service.default:443=127.0.0.1:${upstream.port}`,
    ]);
    const admin = serve.adminUrl();
    assert.ok(admin, serve.stdout());
    const rejected = await waitFor('a False handshake condition', async () => {
      const condition = await handshakeCondition(admin);
      return condition?.status === 'False' ? condition : undefined;
    });
    assert.equal(rejected.reason, 'client_certificate_rejected', `${rejected.message}\n${serve.stderr()}`);
    assert.match(
      await (await fetch(`${admin}/metrics`)).text(),
      /kupstream_upstream_handshake_ok\{[^}]*code="client_certificate_rejected"[^}]*\} 0/,
    );
    assert.equal((await handshakeOfUpstream(admin))?.result, 'failed');
    assert.match(serve.stderr(), /TLS handshake failed: client_certificate_rejected/);
    assert.deepEqual(upstream.received, [], 'a probe sends no request');

    dir.write('client-cert-secret.yaml', stringify(tlsSecret('client-cert-secret', pki.client)));
    const fixed = await waitFor('a True handshake condition', async () => {
      const condition = await handshakeCondition(admin);
      return condition?.status === 'True' ? condition : undefined;
    });
    assert.equal(fixed.reason, 'HandshakeSucceeded');
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    assert.match(metrics, /kupstream_upstream_handshake_ok\{[^}]*code=""[^}]*\} 1/);
    assert.match(metrics, /kupstream_upstream_certificate_not_after_seconds\{[^}]*certificate="server"[^}]*\} \d+/);
    assert.match(metrics, /kupstream_upstream_certificate_not_after_seconds\{[^}]*certificate="client"[^}]*\} \d+/);
    // The inspector's "verified" badge reads this: a handshake passed.
    assert.equal((await handshakeOfUpstream(admin))?.result, 'passed');
  });
});
