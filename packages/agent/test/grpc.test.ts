// gRPC through the proxy: a real @grpc/grpc-js client and server, the proxy mounted on a
// Node HTTP/2 (h2c) server, the upstream reached over h2c and over TLS with ALPN h2 and the
// client certificate. The client must see the server's messages, status codes and trailing
// metadata, and the proxy's own answers as gRPC statuses.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { createSeedPki, type SeedPki } from '@kupstream/test-pki';
import type { TranslationModel, Upstream } from '@kupstream/core';
import { createProxy, type Proxy } from '../src/index.js';
import { caVerification, storeWith, toLoopback, upstream } from './support/fixtures.js';
import { endpoint, model, route } from './support/proxy-harness.js';
import { listen, type RunningServer } from './support/servers.js';

const HOST = 'grpc.example.com';
const bytes = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
/** A hand-written service: messages are raw bytes, so no .proto is needed. */
const ECHO: grpc.ServiceDefinition = {
  Say: {
    path: '/echo.v1.Echo/Say',
    requestStream: false,
    responseStream: false,
    requestSerialize: bytes.serialize,
    requestDeserialize: bytes.deserialize,
    responseSerialize: bytes.serialize,
    responseDeserialize: bytes.deserialize,
  },
  Chat: {
    path: '/echo.v1.Echo/Chat',
    requestStream: true,
    responseStream: true,
    requestSerialize: bytes.serialize,
    requestDeserialize: bytes.deserialize,
    responseSerialize: bytes.serialize,
    responseDeserialize: bytes.deserialize,
  },
};
const EchoClient = grpc.makeGenericClientConstructor(ECHO, 'Echo');
type EchoClient = InstanceType<typeof EchoClient> & {
  Say(request: Buffer, callback: (err: grpc.ServiceError | null, reply?: Buffer) => void): grpc.ClientUnaryCall;
  Chat(): grpc.ClientDuplexStream<Buffer, Buffer>;
};

const handlers: grpc.UntypedServiceImplementation = {
  Say(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
    const text = call.request.toString();
    const peer = (call as unknown as { getAuthContext?: () => { sslPeerCertificate?: { subject?: { CN?: string } } } }).getAuthContext?.();
    const cn = peer?.sslPeerCertificate?.subject?.CN ?? 'none';
    if (text === 'missing') {
      const trailer = new grpc.Metadata();
      trailer.set('x-reason', 'not-here');
      return callback({ code: grpc.status.NOT_FOUND, details: 'no such thing: ünïcode', metadata: trailer });
    }
    callback(null, Buffer.from(`echo ${text} cn=${cn}`));
  },
  Chat(call: grpc.ServerDuplexStream<Buffer, Buffer>) {
    let n = 0;
    call.on('data', (chunk: Buffer) => call.write(Buffer.from(`${++n}:${chunk.toString()}`)));
    call.on('end', () => {
      const trailer = new grpc.Metadata();
      trailer.set('x-count', String(n));
      call.end(trailer);
    });
  },
};

function startGrpcServer(credentials: grpc.ServerCredentials): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(ECHO, handlers);
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, port) => (err ? reject(err) : resolve({ server, port }))),
  );
}

function grpcModel(target: Upstream): TranslationModel {
  return model(
    [
      endpoint(`http://${HOST}`, [
        route('grpcroute/default/echo/rule/0/match/0', [{ upstream: target.name }], {
          matches: [{ path: { type: 'PathPrefix', value: '/echo.v1.Echo' } }],
        }),
      ]),
    ],
    [target],
  );
}

function unary(client: EchoClient, text: string): Promise<{ reply?: string; error?: grpc.ServiceError }> {
  return new Promise((resolve) =>
    client.Say(Buffer.from(text), (error, reply) => resolve(error ? { error } : { reply: reply!.toString() })),
  );
}

function chat(client: EchoClient, messages: string[]): Promise<{ replies: string[]; status: grpc.StatusObject }> {
  return new Promise((resolve, reject) => {
    const call = client.Chat();
    const replies: string[] = [];
    let status: grpc.StatusObject | undefined;
    call.on('data', (b: Buffer) => replies.push(b.toString()));
    call.on('status', (s: grpc.StatusObject) => (status = s));
    call.on('error', reject);
    call.on('end', () => setImmediate(() => (status ? resolve({ replies, status }) : reject(new Error('no status')))));
    for (const m of messages) call.write(Buffer.from(m));
    call.end();
  });
}

describe('gRPC through the proxy (h2c frontend)', () => {
  let pki: SeedPki;
  let h2c: { server: grpc.Server; port: number };
  let mtls: { server: grpc.Server; port: number };
  let frontend: RunningServer<http2.Http2Server>;
  let proxy: Proxy;
  let client: EchoClient;

  before(async () => {
    pki = await createSeedPki({ serverNames: ['example-service.default'] });
    h2c = await startGrpcServer(grpc.ServerCredentials.createInsecure());
    mtls = await startGrpcServer(
      grpc.ServerCredentials.createSsl(
        Buffer.from(pki.ca.certPem),
        [{ cert_chain: Buffer.from(pki.server.certPem), private_key: Buffer.from(pki.server.keyPem) }],
        true,
      ),
    );
  });

  async function serve(next: TranslationModel, port: number, credentials = storeWith()): Promise<void> {
    proxy = createProxy({ model: next, credentials, resolve: toLoopback(port) });
    const server = http2.createServer();
    server.on('request', proxy.handler);
    frontend = await listen(server);
    client = new EchoClient(`127.0.0.1:${frontend.port}`, grpc.credentials.createInsecure(), {
      'grpc.default_authority': HOST,
    }) as EchoClient;
  }

  afterEach(async () => {
    client?.close();
    await proxy?.close();
    await frontend?.close();
  });
  after(() => {
    h2c.server.forceShutdown();
    mtls.server.forceShutdown();
  });

  const h2cUpstream = () => upstream({ name: 'default/echo:50051', scheme: 'http', protocol: 'http2', port: h2c.port });
  const tlsUpstream = () =>
    upstream({
      name: 'default/echo:443+mtls',
      scheme: 'https',
      protocol: 'http2',
      client: pki.client,
      verification: caVerification(pki.ca.certPem, 'example-service.default'),
    });

  for (const [label, build, port, store] of [
    ['h2c', () => h2cUpstream(), () => h2c.port, () => storeWith()],
    ['TLS with ALPN h2 and the client certificate', () => tlsUpstream(), () => mtls.port, () => storeWith(pki.client, [pki.ca.certPem])],
  ] as const) {
    describe(`upstream over ${label}`, () => {
      beforeEach(() => serve(grpcModel(build()), port(), store()));

      it('unary: the reply (the client certificate presented over TLS)', async () => {
        const { reply, error } = await unary(client, 'hello');
        assert.equal(error, undefined);
        const cn = label === 'h2c' ? 'none' : 'ExampleClient';
        assert.equal(reply, `echo hello cn=${cn}`);
      });

      it("unary: the server's status code, message and trailing metadata", async () => {
        const { error } = await unary(client, 'missing');
        assert.ok(error);
        assert.equal(error.code, grpc.status.NOT_FOUND);
        assert.equal(error.details, 'no such thing: ünïcode');
        assert.deepEqual(error.metadata.get('x-reason'), ['not-here']);
      });

      it('bidirectional streaming: every message, then status OK with trailers', async () => {
        const { replies, status } = await chat(client, ['a', 'b', 'c']);
        assert.deepEqual(replies, ['1:a', '2:b', '3:c']);
        assert.equal(status.code, grpc.status.OK);
        assert.deepEqual(status.metadata.get('x-count'), ['3']);
      });
    });
  }

  it('a fail-closed upstream is UNAVAILABLE with the x-kupstream-error code, not an HTTP 500 body', async () => {
    const closed = { ...tlsUpstream(), unavailable: { code: 'InvalidClientCertificateRef', reason: 'Secret missing' } };
    await serve(grpcModel(closed), mtls.port, storeWith(pki.client, [pki.ca.certPem]));
    const { error } = await unary(client, 'hello');
    assert.ok(error);
    assert.equal(error.code, grpc.status.UNAVAILABLE);
    assert.match(error.details, /upstream_unavailable/);
    assert.deepEqual(error.metadata.get('x-kupstream-error'), ['upstream_unavailable']);
  });

  it('te: trailers reaches the upstream; a trailers-only answer keeps its status', async () => {
    // A bare HTTP/2 server shows what grpc-js hides: the request's te header, and a status
    // sent in headers that end the stream (gRPC's trailers-only form).
    const raw = http2.createServer();
    raw.on('stream', (stream, headers) => {
      stream.resume();
      stream.on('end', () =>
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '9', 'grpc-message': `te=${String(headers.te)}` },
          { endStream: true },
        ),
      );
    });
    const bare = await listen(raw);
    try {
      await serve(grpcModel(upstream({ name: 'default/bare:1', scheme: 'http', protocol: 'http2', port: bare.port })), bare.port);
      const { error } = await unary(client, 'hello');
      assert.equal(error?.code, grpc.status.FAILED_PRECONDITION);
      assert.equal(error?.details, 'te=trailers');
    } finally {
      await bare.close();
    }
  });

  it('no route for the method is UNIMPLEMENTED; a refused dial is UNAVAILABLE', async () => {
    const down = upstream({ name: 'default/down:1', scheme: 'http', protocol: 'http2', port: 1 });
    const next = model(
      [
        endpoint(`http://${HOST}`, [
          route('grpcroute/default/down/rule/0/match/0', [{ upstream: down.name }], {
            matches: [{ path: { type: 'Exact', value: '/echo.v1.Echo/Chat' } }],
          }),
        ]),
      ],
      [down],
    );
    await serve(next, 1);
    const { error } = await unary(client, 'hello');
    assert.equal(error?.code, grpc.status.UNIMPLEMENTED);
    assert.deepEqual(error?.metadata.get('x-kupstream-error'), ['route_not_found']);
    await assert.rejects(chat(client, ['x']), (err: grpc.ServiceError) => {
      assert.equal(err.code, grpc.status.UNAVAILABLE);
      assert.deepEqual(err.metadata.get('x-kupstream-error'), ['connection_refused']);
      return true;
    });
  });
});
