// A gRPC echo service for the tests, defined by hand (messages are raw bytes, so no .proto is
// needed): a unary Say that answers `echo <text> cn=<client CN>` or, for `missing`, NOT_FOUND
// with a trailer, and a bidirectional Chat that numbers each message and ends with a trailer.
import * as grpc from '@grpc/grpc-js';

const bytes = (b: Buffer) => b;
const method = (path: string, streaming: boolean) => ({
  path,
  requestStream: streaming,
  responseStream: streaming,
  requestSerialize: bytes,
  requestDeserialize: bytes,
  responseSerialize: bytes,
  responseDeserialize: bytes,
});

export const ECHO_SERVICE: grpc.ServiceDefinition = {
  Say: method('/echo.v1.Echo/Say', false),
  Chat: method('/echo.v1.Echo/Chat', true),
};

const EchoClientConstructor = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');

export type EchoClient = InstanceType<typeof EchoClientConstructor> & {
  Say(request: Buffer, callback: (err: grpc.ServiceError | null, reply?: Buffer) => void): grpc.ClientUnaryCall;
  Chat(): grpc.ClientDuplexStream<Buffer, Buffer>;
};

/** A plaintext (h2c) client of the proxy at `port`, sending `authority` as :authority. */
export function echoClient(port: number, authority: string): EchoClient {
  return new EchoClientConstructor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.default_authority': authority,
  }) as EchoClient;
}

const handlers: grpc.UntypedServiceImplementation = {
  Say(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
    const text = call.request.toString();
    const auth = (call as unknown as { getAuthContext?: () => { sslPeerCertificate?: { subject?: { CN?: string } } } }).getAuthContext?.();
    if (text === 'missing') {
      const trailer = new grpc.Metadata();
      trailer.set('x-reason', 'not-here');
      return callback({ code: grpc.status.NOT_FOUND, details: 'no such thing', metadata: trailer });
    }
    callback(null, Buffer.from(`echo ${text} cn=${auth?.sslPeerCertificate?.subject?.CN ?? 'none'}`));
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

export interface GrpcEchoServer {
  port: number;
  close(): void;
}

/** Plaintext (h2c) without `tls`; with it, TLS that requires a client certificate signed by `tls.clientCa`. */
export function startGrpcEcho(tls?: { certPem: string; keyPem: string; clientCa: string }): Promise<GrpcEchoServer> {
  const server = new grpc.Server();
  server.addService(ECHO_SERVICE, handlers);
  const credentials = tls
    ? grpc.ServerCredentials.createSsl(
        Buffer.from(tls.clientCa),
        [{ cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) }],
        true,
      )
    : grpc.ServerCredentials.createInsecure();
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, port) =>
      err ? reject(err) : resolve({ port, close: () => server.forceShutdown() }),
    ),
  );
}

export function say(client: EchoClient, text: string): Promise<{ reply?: string; error?: grpc.ServiceError }> {
  return new Promise((resolve) =>
    client.Say(Buffer.from(text), (error, reply) => resolve(error ? { error } : { reply: reply!.toString() })),
  );
}

export function chat(client: EchoClient, messages: string[]): Promise<{ replies: string[]; status: grpc.StatusObject }> {
  return new Promise((resolve, reject) => {
    const call = client.Chat();
    const replies: string[] = [];
    let status: grpc.StatusObject | undefined;
    call.on('data', (b: Buffer) => replies.push(b.toString()));
    call.on('status', (s: grpc.StatusObject) => (status = s));
    call.on('error', reject);
    call.on('end', () =>
      setImmediate(() => (status ? resolve({ replies, status }) : reject(new Error('the call ended without a status')))),
    );
    for (const m of messages) call.write(Buffer.from(m));
    call.end();
  });
}
