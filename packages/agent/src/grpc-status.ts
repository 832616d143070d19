// gRPC requests and the answers the proxy gives them itself. A gRPC client reads the outcome
// from the `grpc-status` / `grpc-message` trailers, not from the HTTP status or a body, so
// an answer of the proxy's own (no route, an unavailable upstream, a failed dial) is a
// 200 with those trailers, the HTTP status mapped as gRPC's HTTP-to-gRPC table does, and
// the `x-kupstream-error` code kept as a header and in the message.
import type http from 'node:http';

/** gRPC status codes the proxy answers with (google.rpc.Code). */
export const GrpcStatus = {
  INTERNAL: 13,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
  RESOURCE_EXHAUSTED: 8,
  PERMISSION_DENIED: 7,
  UNAUTHENTICATED: 16,
} as const;

/** HTTP status of a proxy answer -> gRPC status (gRPC's "HTTP to gRPC Status Code Mapping", plus 413). */
const FROM_HTTP: Record<number, number> = {
  400: GrpcStatus.INTERNAL,
  401: GrpcStatus.UNAUTHENTICATED,
  403: GrpcStatus.PERMISSION_DENIED,
  404: GrpcStatus.UNIMPLEMENTED,
  413: GrpcStatus.RESOURCE_EXHAUSTED,
  429: GrpcStatus.UNAVAILABLE,
  502: GrpcStatus.UNAVAILABLE,
  503: GrpcStatus.UNAVAILABLE,
  504: GrpcStatus.UNAVAILABLE,
};

/**
 * Codes whose answer is a 500 but whose meaning for a client is "try again later": a backend
 * that is not dialed (fail closed: its TLS material could not be resolved) or not there.
 */
const UNAVAILABLE_CODES = new Set(['upstream_unavailable', 'no_backend', 'backend_not_found']);

export function grpcStatusFor(httpStatus: number, code?: string): number {
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return GrpcStatus.UNAVAILABLE;
  return FROM_HTTP[httpStatus] ?? GrpcStatus.INTERNAL;
}

/** A gRPC request: `content-type: application/grpc` or `application/grpc+<codec>` (not grpc-web). */
export function isGrpcRequest(req: Pick<http.IncomingMessage, 'headers'> | undefined): boolean {
  const type = req?.headers['content-type'];
  if (typeof type !== 'string' || !type.startsWith('application/grpc')) return false;
  const rest = type.charCodeAt(16);
  return Number.isNaN(rest) || rest === 43 /* + */ || rest === 59; /* ; */
}

/** `grpc-message` is percent-encoded (gRPC over HTTP/2): everything outside printable ASCII, and `%`. */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The trailers of a proxy answer to a gRPC request. */
/** gRPC clients show trailing metadata with the status: the proxy's code goes there too. */
export function grpcTrailers(httpStatus: number, code: string | undefined, message: string): Record<string, string> {
  return {
    'grpc-status': String(grpcStatusFor(httpStatus, code)),
    'grpc-message': encodeGrpcMessage(message),
    ...(code ? { 'x-kupstream-error': code } : {}),
  };
}

/**
 * For response headers that end the stream (gRPC's trailers-only form), when they hold a
 * `grpc-status`: every header but `content-type` is metadata that belongs with the status,
 * so it is taken out of `headers` and returned as trailers; undefined when there is no status.
 */
export function movesStatusToTrailers(headers: http.OutgoingHttpHeaders): http.OutgoingHttpHeaders | undefined {
  if (headers['grpc-status'] === undefined) return undefined;
  const trailers: http.OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    if (name === 'content-type') continue;
    trailers[name] = headers[name];
    delete headers[name];
  }
  return trailers;
}
