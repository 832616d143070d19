// Every place the agent reaches under a public API, in one module: per-socket overrides of
// Node's net/tls internals, and undici loaded by its internal module paths. Each relies on
// behaviour that no API promises, so each was checked on the versions named here and is
// re-checked on any change of Node or undici version. Checked on: Node v20.20.2 (the
// `engines` floor, 20.19, was not run separately) with undici 7.30.2 (pinned).
// - `socket._write` / `_writev` held per instance until the dialer's verdict (holdWrites);
// - `socket.emit` and `socket.destroy` wrapped per instance so errors carry the dial's
//   context (typeErrors, typeLaterErrors);
// - `TLSSocket#_emitTLSError`, the internal that reports TLS alerts after the handshake,
//   overridden per instance for the same reason;
// - undici's Pool and Client from 'undici/lib/dispatcher/*.js': the package root loads all of
//   undici (fetch, WebSocket, caches, mocks), about 3 MiB of heap the proxy never uses.
import type net from 'node:net';
import Client from 'undici/lib/dispatcher/client.js';
import Pool from 'undici/lib/dispatcher/pool.js';
import { classifyUpstreamError, type FailureContext } from './upstream-errors.js';

export { Client, Pool };

/**
 * Writes wait for the dialer's verdict. A client that took the socket synchronously
 * (http.Agent) writes its request at once; under TLS 1.3 those bytes would leave before
 * the server judged our certificate, and a server closing with unread data resets the
 * connection, hiding the rejection. Held writes go out once the socket is ready, or fail
 * with the typed error.
 */
export function holdWrites(socket: net.Socket, ready: Promise<net.Socket>): void {
  const held: (() => void)[] = [];
  let verdict: Error | null | undefined;
  const hold = <A extends unknown[]>(write: (this: net.Socket, ...args: A) => void, callback: (args: A) => (err: Error) => void) =>
    function (this: net.Socket, ...args: A): void {
      if (verdict === null) return write.apply(this, args);
      if (verdict) return callback(args)(verdict);
      held.push(() => (verdict === null ? write.apply(this, args) : callback(args)(verdict ?? new Error('not ready'))));
    };
  const proto = Object.getPrototypeOf(socket) as net.Socket;
  socket._write = hold(proto._write, (args) => args[2]);
  if (proto._writev) socket._writev = hold(proto._writev, (args) => args[1]);
  const release = (result: Error | null) => {
    verdict = result;
    // Later writes take the plain path again. Assigned back rather than deleted: deleting
    // a property V8 did not add last turns the socket into a slow dictionary-mode object.
    socket._write = proto._write;
    if (proto._writev) socket._writev = proto._writev;
    for (const run of held.splice(0)) run();
  };
  ready.then(
    () => release(null),
    (err: Error) => release(err),
  );
}

const failureContexts = new WeakMap<net.Socket, FailureContext>();
const typedEmits = new WeakMap<net.Socket, net.Socket['emit']>();

/** Until the connection is ready, every 'error' the socket emits is classified in the context of the dial (once). */
export function typeErrors(socket: net.Socket, context: FailureContext): void {
  failureContexts.set(socket, context);
  const emit = socket.emit;
  const typed = function (this: net.Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error') args[0] = classifyUpstreamError(args[0], context);
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof socket.emit;
  socket.emit = typed;
  typedEmits.set(socket, typed);
}

type TlsErrorEmitter = net.Socket & { _emitTLSError?: (err: Error) => void };

/**
 * Once ready, the emit wrapper goes (it ran for every 'data' event of a pooled connection).
 * After that, errors of an established connection start in destroy(err), or in
 * TLSSocket#_emitTLSError for alerts: those two are typed instead.
 */
export function typeLaterErrors(socket: net.Socket): void {
  const proto = Object.getPrototypeOf(socket) as TlsErrorEmitter;
  // Someone wrapped emit after us: leave theirs (and ours under it) in place.
  if (socket.emit !== typedEmits.get(socket)) return;
  socket.emit = proto.emit;
  socket.destroy = typedDestroy;
  if (typeof proto._emitTLSError === 'function') (socket as TlsErrorEmitter)._emitTLSError = typedTlsError;
}

function typedDestroy(this: net.Socket, err?: Error, callback?: (err: Error | null) => void): net.Socket {
  const context = failureContexts.get(this);
  const destroy = (Object.getPrototypeOf(this) as net.Socket).destroy as (
    this: net.Socket,
    err?: Error,
    callback?: (err: Error | null) => void,
  ) => net.Socket;
  return destroy.call(this, err && context && !isUndiciOwn(err) ? classifyUpstreamError(err, context) : err, callback);
}

/**
 * undici closes connections itself with its own errors (`UND_ERR_INFO` for a deliberate
 * close, `UND_ERR_SOCKET` when the peer closed) and reads their codes back to decide
 * whether queued requests may move to a new connection. Those pass through as they are.
 */
function isUndiciOwn(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('UND_ERR_');
}

function typedTlsError(this: TlsErrorEmitter, err: Error): void {
  const context = failureContexts.get(this);
  (Object.getPrototypeOf(this) as TlsErrorEmitter)._emitTLSError?.call(this, context ? classifyUpstreamError(err, context) : err);
}
