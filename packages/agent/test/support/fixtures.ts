// Models and credential stores for the tests; PKI is generated at run time, never stored.
import { CredentialStore, type Upstream, type UpstreamTls, type Verification } from '@kupstream/core';
import { checkCaBundle } from '@kupstream/core/building-blocks';
import type { Issued } from '@kupstream/test-pki';
import type { Resolve } from '../../src/index.js';

export const CLIENT_SECRET = { namespace: 'default', name: 'client-cert-secret' };

export function caSha256(pem: string): string {
  const digest = checkCaBundle(pem, new Date()).sha256;
  if (!digest) throw new Error('test CA does not parse');
  return digest;
}

export function storeWith(client?: { certPem: string; keyPem: string }, cas: string[] = []): CredentialStore {
  const store = new CredentialStore();
  if (client) store.set(CLIENT_SECRET, { certChainPem: client.certPem, keyPem: client.keyPem });
  for (const pem of cas) store.setCaBundle(caSha256(pem), pem);
  return store;
}

export interface UpstreamOptions {
  name?: string;
  host?: string;
  port?: number;
  scheme?: 'https' | 'http' | 'tls' | 'tcp';
  protocol?: 'http1' | 'http2';
  verification?: Verification;
  serverName?: string;
  alpn?: string[];
  minVersion?: UpstreamTls['minVersion'];
  client?: Issued | false;
  proxyProtocolVersion?: 1 | 2;
}

const SOURCE = { kind: 'BackendTLSPolicy', namespace: 'default', name: 'policy' };

export function caVerification(
  caPem: string,
  hostname: string,
  subjectAltNames?: Extract<Verification, { mode: 'ca' }>['subjectAltNames'],
): Verification {
  return { mode: 'ca', caSha256: caSha256(caPem), hostname, source: SOURCE, ...(subjectAltNames ? { subjectAltNames } : {}) };
}

export function systemVerification(hostname: string): Verification {
  return { mode: 'system', hostname, source: SOURCE };
}

/** The seed's upstream: https://example-service.default:443 with the client certificate. */
export function upstream(options: UpstreamOptions = {}): Upstream {
  const scheme = options.scheme ?? 'https';
  const host = options.host ?? 'example-service.default';
  const port = options.port ?? 443;
  const protocol = options.protocol ?? 'http1';
  const model: Upstream = {
    name: options.name ?? `default/example-service:${port}${scheme === 'https' ? '+mtls' : ''}`,
    url: `${scheme}://${host}:${port}`,
    protocol,
  };
  if (options.proxyProtocolVersion) model.proxyProtocolVersion = options.proxyProtocolVersion;
  if (scheme === 'https' || scheme === 'tls') {
    model.tls = {
      serverName: options.serverName ?? host,
      alpn: options.alpn ?? (scheme === 'tls' ? [] : protocol === 'http2' ? ['h2'] : ['http/1.1']),
      minVersion: options.minVersion ?? 'TLSv1.2',
      verification: options.verification ?? { mode: 'none' },
      ...(options.client === false || !options.client
        ? {}
        : {
            clientCertificate: {
              secret: CLIENT_SECRET,
              subject: options.client.subject,
              issuer: 'CN=ExampleCA',
              notAfter: '2099-01-01T00:00:00.000Z',
              sha256: options.client.sha256,
            },
          }),
    };
  }
  return model;
}

/** Sends every upstream host to 127.0.0.1 at `port` (the tests' --resolve). */
export function toLoopback(port: number): Resolve {
  return () => ({ host: '127.0.0.1', port });
}
