// Building the Upstream for a Service port, shared by the Gateway API and Ingress translators.
import { DEFAULT_CLUSTER_DOMAIN } from './options.js';
import type { CertificateInfo, Upstream, UpstreamProtocol, UpstreamTraffic, Verification } from './model.js';
import type { UpstreamScheme } from './service-protocol.js';
import { isEmptyTlsParameters, TLS_PARAMETER_DEFAULTS, tlsParametersDigest, type TlsParameters } from './tls-parameters.js';

export interface ServiceUpstreamSpec {
  namespace: string;
  name: string;
  port: number;
  scheme: UpstreamScheme;
  protocol: UpstreamProtocol;
  clusterDomain: string;
  /** TLS upstreams only. */
  verification?: Verification;
  /** The BackendTLSPolicy's name, when one gave the verification. */
  verificationSource?: { namespace: string; name: string };
  /** SNI override (BackendTLSPolicy hostname). */
  serverName?: string;
  /** Secret of the client certificate, resolved or not. */
  clientCertificateSecret?: { namespace: string; name: string };
  clientCertificate?: CertificateInfo;
  /** Versions, ciphers, ALPN, verify depth asked for (BackendTLSPolicy options, ingress-nginx annotations). */
  tlsParameters?: TlsParameters;
  /** Other settings that must keep upstreams apart (e.g. an SNI no policy names); they join the `+params` digest. */
  distinctions?: Record<string, string>;
  unavailable?: { code: string; reason: string };
  /** The Service's traffic annotations (trafficForService). */
  traffic?: UpstreamTraffic;
}

/** `<svc>.<ns>` in the default cluster domain, `<svc>.<ns>.svc.<domain>` otherwise. */
export function serviceHost(name: string, namespace: string, clusterDomain: string): string {
  return clusterDomain === DEFAULT_CLUSTER_DOMAIN ? `${name}.${namespace}` : `${name}.${namespace}.svc.${clusterDomain}`;
}

/**
 * Stable upstream name: `<ns>/<svc>:<port>`, then `+mtls:<ns>/<secret>` when a client
 * certificate is presented, `+verify:<ns>/<source>` when a BackendTLSPolicy (or a Secret's
 * CA) verifies it and `+params:<digest>` when TLS parameters or an SNI override are asked
 * for, so that two Gateways (or Ingresses) with different identities or settings get two upstreams.
 */
export function serviceUpstreamName(
  spec: Pick<
    ServiceUpstreamSpec,
    'namespace' | 'name' | 'port' | 'clientCertificateSecret' | 'verificationSource' | 'scheme' | 'tlsParameters' | 'distinctions'
  >,
): string {
  let name = `${spec.namespace}/${spec.name}:${spec.port}`;
  if (spec.scheme !== 'https' && spec.scheme !== 'tls') return spec.scheme === 'tcp' ? `${name}+tcp` : name;
  if (spec.scheme === 'tls') name += '+tls';
  if (spec.clientCertificateSecret) name += `+mtls:${spec.clientCertificateSecret.namespace}/${spec.clientCertificateSecret.name}`;
  if (spec.verificationSource) name += `+verify:${spec.verificationSource.namespace}/${spec.verificationSource.name}`;
  const distinctions = spec.distinctions ?? {};
  if (!isEmptyTlsParameters(spec.tlsParameters) || Object.keys(distinctions).length > 0)
    name += `+params:${tlsParametersDigest(spec.tlsParameters ?? {}, distinctions)}`;
  return name;
}

export function alpnFor(protocol: UpstreamProtocol): string[] {
  return [...TLS_PARAMETER_DEFAULTS.alpn[protocol]];
}

export function buildServiceUpstream(spec: ServiceUpstreamSpec): Upstream {
  const host = serviceHost(spec.name, spec.namespace, spec.clusterDomain);
  const upstream: Upstream = {
    name: serviceUpstreamName(spec),
    url: `${spec.scheme}://${host}:${spec.port}`,
    protocol: spec.protocol,
    service: { namespace: spec.namespace, name: spec.name, port: spec.port },
  };
  if (spec.traffic) upstream.traffic = spec.traffic;
  if (spec.scheme === 'https' || spec.scheme === 'tls') {
    const parameters = spec.tlsParameters ?? {};
    upstream.tls = {
      serverName: spec.serverName ?? host,
      alpn: spec.scheme === 'https' ? (parameters.alpn ? [...parameters.alpn] : alpnFor(spec.protocol)) : [],
      minVersion: parameters.minVersion ?? TLS_PARAMETER_DEFAULTS.minVersion,
      ...(parameters.maxVersion ? { maxVersion: parameters.maxVersion } : {}),
      ...(parameters.ciphers ? { ciphers: parameters.ciphers } : {}),
      ...(parameters.verifyDepth !== undefined ? { verifyDepth: parameters.verifyDepth } : {}),
      verification: spec.verification ?? { mode: 'none' },
      ...(spec.clientCertificate ? { clientCertificate: spec.clientCertificate } : {}),
    };
    if (spec.unavailable) upstream.unavailable = spec.unavailable;
  }
  return upstream;
}
