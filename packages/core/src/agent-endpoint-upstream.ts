// The Upstream an AgentEndpoint dials: its normalized upstream URL, HTTP version, PROXY
// protocol version and client identity. Named after its definition, so AgentEndpoints
// with the same upstream share one.
import { sniHost, type UpstreamUrl } from './agent-endpoint-url.js';
import type { CertificateInfo, Upstream, UpstreamProtocol } from './model.js';
import { alpnFor } from './service-upstream.js';

export interface AgentUpstreamSpec {
  url: UpstreamUrl;
  protocol: UpstreamProtocol;
  proxyProtocolVersion?: 1 | 2;
  /** The Secret presented as client certificate (resolved or not); part of the name. */
  clientCertificateSecret?: { namespace: string; name: string };
  clientCertificate?: CertificateInfo;
  /** Set when the client certificate could not be resolved: never dial without it (nor a misconfigured plain upstream). */
  unavailable?: { code: string; reason: string };
}

/** `<url>[+h2][+proxy-v<n>][+mtls:<ns>/<secret>]` */
export function agentUpstreamName(
  spec: Pick<AgentUpstreamSpec, 'url' | 'protocol' | 'proxyProtocolVersion' | 'clientCertificateSecret'>,
): string {
  let name = spec.url.url;
  if (spec.protocol === 'http2') name += '+h2';
  if (spec.proxyProtocolVersion) name += `+proxy-v${spec.proxyProtocolVersion}`;
  if (spec.clientCertificateSecret) name += `+mtls:${spec.clientCertificateSecret.namespace}/${spec.clientCertificateSecret.name}`;
  return name;
}

function isTls(url: UpstreamUrl): boolean {
  return url.scheme === 'https' || url.scheme === 'tls';
}

/**
 * TLS (https://, tls://) upstreams are encrypted without verification: an AgentEndpoint
 * has no field naming a CA (ngrok never verifies them either). tls:// with http2 offers
 * `h2, http/1.1` as ngrok's agent does; plain tls:// offers no ALPN.
 */
export function buildAgentUpstream(spec: AgentUpstreamSpec): Upstream {
  const upstream: Upstream = {
    name: agentUpstreamName(spec),
    url: spec.url.url,
    protocol: spec.protocol,
    ...(spec.proxyProtocolVersion ? { proxyProtocolVersion: spec.proxyProtocolVersion } : {}),
  };
  if (isTls(spec.url)) {
    upstream.tls = {
      serverName: sniHost(spec.url.host),
      alpn: spec.url.scheme === 'https' ? alpnFor(spec.protocol) : spec.protocol === 'http2' ? ['h2', 'http/1.1'] : [],
      minVersion: 'TLSv1.2',
      verification: { mode: 'none' },
      ...(spec.clientCertificate ? { clientCertificate: spec.clientCertificate } : {}),
    };
  }
  if (spec.unavailable) upstream.unavailable = spec.unavailable;
  return upstream;
}
