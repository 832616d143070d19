// Reads what a TLS ClientHello says before any TLS is set up: the server name (SNI) and the
// ALPN protocols, so a listener can choose the certificate, the client-certificate demand
// and TLS termination or pass-through per connection. Only the first handshake record(s)
// are read, bounded; anything that is not a well-formed ClientHello is 'notTls'.
import type { Socket } from 'node:net';

/** The largest ClientHello read (records may split it; 16 KiB is the record limit). */
export const MAX_CLIENT_HELLO_BYTES = 16 * 1024 + 5;

export type ClientHelloOutcome =
  | { kind: 'hello'; serverName?: string; alpn: string[] }
  /** More bytes are needed. */
  | { kind: 'partial' }
  | { kind: 'notTls'; reason: string };

const HANDSHAKE = 22;
const CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;

/** Whether the first byte can start a TLS handshake record. */
export function looksLikeTls(first: number): boolean {
  return first === HANDSHAKE;
}

export function parseClientHello(data: Buffer): ClientHelloOutcome {
  if (data.length === 0) return { kind: 'partial' };
  if (data[0] !== HANDSHAKE) return { kind: 'notTls', reason: 'not a TLS handshake record' };
  // The handshake message may span records: concatenate the fragments of handshake records.
  const fragments: Buffer[] = [];
  let offset = 0;
  let have = 0;
  let need = -1;
  while (offset + 5 <= data.length) {
    if (data[offset] !== HANDSHAKE) return { kind: 'notTls', reason: 'the ClientHello is interrupted by another record type' };
    const length = data.readUInt16BE(offset + 3);
    if (length === 0 || length > 16 * 1024) return { kind: 'notTls', reason: 'bad record length' };
    if (offset + 5 + length > data.length) break;
    const fragment = data.subarray(offset + 5, offset + 5 + length);
    fragments.push(fragment);
    have += fragment.length;
    offset += 5 + length;
    if (need < 0 && have >= 4) {
      const head = Buffer.concat(fragments);
      if (head[0] !== CLIENT_HELLO) return { kind: 'notTls', reason: 'the first handshake message is not a ClientHello' };
      need = 4 + head.readUIntBE(1, 3);
    }
    if (need >= 0 && have >= need) return readHello(Buffer.concat(fragments).subarray(4, need));
  }
  if (data.length >= MAX_CLIENT_HELLO_BYTES) return { kind: 'notTls', reason: 'the ClientHello is too large' };
  return { kind: 'partial' };
}

function readHello(body: Buffer): ClientHelloOutcome {
  const bad = (reason: string): ClientHelloOutcome => ({ kind: 'notTls', reason: `malformed ClientHello: ${reason}` });
  let p = 2 + 32; // version, random
  if (p + 1 > body.length) return bad('truncated');
  p += 1 + body[p]!; // session id
  if (p + 2 > body.length) return bad('truncated');
  p += 2 + body.readUInt16BE(p); // cipher suites
  if (p + 1 > body.length) return bad('truncated');
  p += 1 + body[p]!; // compression methods
  const out: { kind: 'hello'; serverName?: string; alpn: string[] } = { kind: 'hello', alpn: [] };
  if (p === body.length) return out; // no extensions
  if (p + 2 > body.length) return bad('truncated');
  const end = p + 2 + body.readUInt16BE(p);
  if (end > body.length) return bad('extensions overrun');
  p += 2;
  while (p + 4 <= end) {
    const type = body.readUInt16BE(p);
    const length = body.readUInt16BE(p + 2);
    const ext = body.subarray(p + 4, p + 4 + length);
    if (p + 4 + length > end) return bad('an extension overruns');
    p += 4 + length;
    if (type === EXT_SERVER_NAME && ext.length >= 2) {
      let q = 2;
      const listEnd = Math.min(ext.length, 2 + ext.readUInt16BE(0));
      while (q + 3 <= listEnd) {
        const nameType = ext[q]!;
        const nameLength = ext.readUInt16BE(q + 1);
        if (q + 3 + nameLength > listEnd) return bad('server name overruns');
        if (nameType === 0) {
          const name = ext.subarray(q + 3, q + 3 + nameLength).toString('latin1');
          // A host name only (RFC 6066 §3): letters, digits, hyphens, dots, underscores.
          if (!/^[A-Za-z0-9._-]{1,253}$/.test(name)) return bad('the server name is not a host name');
          out.serverName = name.toLowerCase().replace(/\.$/, '');
          break;
        }
        q += 3 + nameLength;
      }
    } else if (type === EXT_ALPN && ext.length >= 2) {
      let q = 2;
      const listEnd = Math.min(ext.length, 2 + ext.readUInt16BE(0));
      while (q + 1 <= listEnd) {
        const n = ext[q]!;
        if (q + 1 + n > listEnd) return bad('ALPN overruns');
        out.alpn.push(ext.subarray(q + 1, q + 1 + n).toString('latin1'));
        q += 1 + n;
      }
    }
  }
  return out;
}

export type HelloRead = { ok: true; bytes: Buffer; serverName: string; alpn: string[] } | { ok: false; reason: string };

/**
 * Reads a socket's ClientHello without consuming it for whoever takes the connection next:
 * `done` gets the bytes read (to `unshift` or hand on), or why there is no ClientHello (not
 * TLS, malformed, too slow, closed). The socket is left paused.
 */
export function readClientHello(socket: Socket, timeoutMs: number, done: (read: HelloRead) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const finish = (read: HelloRead) => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.pause();
    done(read);
  };
  const timer = setTimeout(() => finish({ ok: false, reason: 'no ClientHello in time' }), timeoutMs);
  const onEnd = () => finish({ ok: false, reason: 'the connection ended before its ClientHello' });
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    if (!looksLikeTls(seen[0]!)) return finish({ ok: false, reason: 'not TLS on a TLS listener' });
    const hello = parseClientHello(seen);
    if (hello.kind === 'partial' && seen.length < MAX_CLIENT_HELLO_BYTES) return undefined;
    if (hello.kind !== 'hello') return finish({ ok: false, reason: hello.kind === 'partial' ? 'ClientHello too large' : hello.reason });
    finish({ ok: true, bytes: seen, serverName: hello.serverName ?? '', alpn: hello.alpn });
    return undefined;
  };
  socket.on('data', onData);
  socket.once('end', onEnd);
  // A socket an earlier reader paused (and put its bytes back into) flows again only when told.
  socket.resume();
}
