// GRPCRoute through the built binary: a real @grpc/grpc-js client calls serve over h2c (prior
// knowledge on --listen) and reaches a gRPC server behind it over h2c, and over TLS with ALPN
// h2, a BackendTLSPolicy and the Gateway's client certificate (the server requires one); the
// client sees the server's replies, status codes and trailers, unary and streaming.
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import { stringify } from 'yaml';
import { startServe, type ServeProcess } from './helpers/cli-process.js';
import { chat, echoClient, say, startGrpcEcho, type EchoClient, type GrpcEchoServer } from './helpers/grpc-echo.js';
import { clientCertSecretYaml } from './helpers/seed-manifests.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const HOST = 'grpc.example.com';

function manifests(pki: SeedPki, mtls: boolean): string {
  const objects: object[] = [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'default' },
      spec: {
        gatewayClassName: 'ngrok',
        ...(mtls ? { tls: { backend: { clientCertificateRef: { name: 'client-cert-secret' } } } } : {}),
        listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
      },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'echo', namespace: 'default' },
      spec: {
        parentRefs: [{ name: 'gw' }],
        hostnames: [HOST],
        rules: [{ matches: [{ method: { service: 'echo.v1.Echo' } }], backendRefs: [{ name: 'echo', port: 50051 }] }],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'echo', namespace: 'default' },
      spec: { ports: [{ name: 'grpc', port: 50051, targetPort: 50051 }] },
    },
  ];
  if (mtls) {
    objects.push(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'echo-ca', namespace: 'default' }, data: { 'ca.crt': pki.ca.certPem } },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'BackendTLSPolicy',
        metadata: { name: 'echo', namespace: 'default' },
        spec: {
          targetRefs: [{ group: '', kind: 'Service', name: 'echo', sectionName: 'grpc' }],
          validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'echo-ca' }], hostname: 'echo.example.com' },
        },
      },
    );
  }
  return objects.map((o) => stringify(o)).join('---\n') + (mtls ? `---\n${clientCertSecretYaml(pki)}` : '');
}

describe('serve: GRPCRoute end to end with a real gRPC client and server', function () {
  this.timeout(90_000);
  let pki: SeedPki;
  before(async () => {
    pki = await createSeedPki({ serverNames: ['echo.example.com'] });
  });

  for (const mtls of [false, true]) {
    describe(mtls ? 'upstream over TLS (ALPN h2, BackendTLSPolicy, Gateway client certificate)' : 'upstream over h2c', () => {
      let dir: TempDir;
      let server: GrpcEchoServer;
      let serve: ServeProcess;
      let client: EchoClient;
      before(async () => {
        dir = makeTempDir();
        server = await startGrpcEcho(
          mtls ? { certPem: pki.server.certPem, keyPem: pki.server.keyPem, clientCa: pki.ca.certPem } : undefined,
        );
        dir.write('grpc.yaml', manifests(pki, mtls));
        serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', '--resolve', `echo.default:50051=127.0.0.1:${server.port}`]);
        client = echoClient(serve.port, HOST);
      });
      after(async () => {
        client.close();
        assert.equal(await serve.stop(), 0, serve.stderr());
        server.close();
        dir.remove();
      });

      it('unary: the reply', async () => {
        assert.deepEqual(await say(client, 'hello'), { reply: `echo hello cn=${mtls ? 'ExampleClient' : 'none'}` });
      });

      it("unary: the server's status code, message and trailers", async () => {
        const { error } = await say(client, 'missing');
        assert.equal(error?.code, grpc.status.NOT_FOUND);
        assert.equal(error?.details, 'no such thing');
        assert.deepEqual(error?.metadata.get('x-reason'), ['not-here']);
      });

      it('bidirectional streaming: every message, then OK with the trailers', async () => {
        const { replies, status } = await chat(client, ['a', 'b', 'c']);
        assert.deepEqual(replies, ['1:a', '2:b', '3:c']);
        assert.equal(status.code, grpc.status.OK);
        assert.deepEqual(status.metadata.get('x-count'), ['3']);
      });
    });
  }

  it('a GRPCRoute whose Gateway client certificate is missing fails closed: UNAVAILABLE with the x-kupstream-error code', async () => {
    const dir = makeTempDir();
    const server = await startGrpcEcho({ certPem: pki.server.certPem, keyPem: pki.server.keyPem, clientCa: pki.ca.certPem });
    // The Gateway names client-cert-secret, which the input does not hold.
    dir.write('grpc.yaml', manifests(pki, true).split('---\n').slice(0, -1).join('---\n'));
    const serve = await startServe(['-f', dir.path, '--listen', '127.0.0.1:0', '--resolve', `echo.default:50051=127.0.0.1:${server.port}`]);
    const client = echoClient(serve.port, HOST);
    try {
      const { error } = await say(client, 'hello');
      assert.equal(error?.code, grpc.status.UNAVAILABLE);
      assert.deepEqual(error?.metadata.get('x-kupstream-error'), ['upstream_unavailable']);
    } finally {
      client.close();
      assert.equal(await serve.stop(), 0, serve.stderr());
      server.close();
      dir.remove();
    }
  });
});
