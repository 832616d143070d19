// PROXY protocol v1 (text) and v2 (binary) headers, written before anything else —
// before the TLS ClientHello — so the upstream learns the original client address.
// Spec: https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt
import net from 'node:net';
import type { Duplex } from 'node:stream';

export interface ProxyAddresses {
  source: { address: string; port: number };
  destination: { address: string; port: number };
}

/** The client and listener addresses of a downstream socket, when it has them. */
export function socketAddresses(socket: net.Socket | Duplex): ProxyAddresses | undefined {
  const s = socket as net.Socket;
  if (!s.remoteAddress || !s.localAddress || s.remotePort === undefined || s.localPort === undefined) return undefined;
  return { source: { address: s.remoteAddress, port: s.remotePort }, destination: { address: s.localAddress, port: s.localPort } };
}

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** `::ffff:1.2.3.4` → `1.2.3.4`, so IPv4 clients on a dual-stack listener stay IPv4. */
function unmap(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

function family(addresses: ProxyAddresses): { source: string; destination: string; family: 4 | 6 } | undefined {
  let source = unmap(addresses.source.address);
  let destination = unmap(addresses.destination.address);
  if (!net.isIP(source) || !net.isIP(destination)) return undefined;
  if (net.isIPv4(source) && net.isIPv4(destination)) return { source, destination, family: 4 };
  if (net.isIPv4(source)) source = `::ffff:${source}`;
  if (net.isIPv4(destination)) destination = `::ffff:${destination}`;
  return { source, destination, family: 6 };
}

export function proxyProtocolHeader(version: 1 | 2, addresses: ProxyAddresses | undefined): Buffer {
  const resolved = addresses && family(addresses);
  if (version === 1) {
    if (!resolved || !addresses) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
    return Buffer.from(
      `PROXY TCP${resolved.family} ${resolved.source} ${resolved.destination} ${addresses.source.port} ${addresses.destination.port}\r\n`,
      'latin1',
    );
  }
  if (!resolved || !addresses) {
    // LOCAL command: the upstream uses the connection's own addresses.
    return Buffer.concat([V2_SIGNATURE, Buffer.from([0x20, 0x00, 0x00, 0x00])]);
  }
  const size = resolved.family === 4 ? 12 : 36;
  const body = Buffer.alloc(size);
  const ipBytes = resolved.family === 4 ? ipv4Bytes : ipv6Bytes;
  const addrLength = resolved.family === 4 ? 4 : 16;
  ipBytes(resolved.source).copy(body, 0);
  ipBytes(resolved.destination).copy(body, addrLength);
  body.writeUInt16BE(addresses.source.port, addrLength * 2);
  body.writeUInt16BE(addresses.destination.port, addrLength * 2 + 2);
  const head = Buffer.from([0x21, resolved.family === 4 ? 0x11 : 0x21, 0, 0]);
  head.writeUInt16BE(size, 2);
  return Buffer.concat([V2_SIGNATURE, head, body]);
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

function ipv6Bytes(address: string): Buffer {
  const out = Buffer.alloc(16);
  let text = address;
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hex groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad?.[1]) {
    const b = ipv4Bytes(quad[1]);
    text = `${text.slice(0, -quad[1].length)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  groups.forEach((group, i) => out.writeUInt16BE(parseInt(group || '0', 16), i * 2));
  return out;
}
