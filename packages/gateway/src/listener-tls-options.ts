// A Gateway listener's `tls.options`: the implementation-specific keys kupstream reads, under
// its own domain. `kupstream.dev/forward-client-certificate` ("true" / "false", default false)
// sends the verified client certificate to the upstream (`x-kupstream-client-cert`, URL-encoded
// PEM); it needs client validation on the listener (`spec.tls.frontend`). Keys of other
// domains belong to other implementations and are left alone; an unknown `kupstream.dev/` key
// or an invalid value is reported and changes nothing (the certificate is not forwarded).
import { isRecord } from '@kupstream/core/building-blocks';
import { OPTION_DOMAIN } from './backend-tls-options.js';

export const ListenerTlsOption = {
  ForwardClientCertificate: `${OPTION_DOMAIN}forward-client-certificate`,
} as const;

const KNOWN = new Set<string>(Object.values(ListenerTlsOption));

export interface ListenerTlsOptions {
  forwardClientCertificate: boolean;
  /** One message per key or value that was not used, with its key. */
  problems: { key: string; message: string }[];
}

export function readListenerTlsOptions(options: unknown): ListenerTlsOptions {
  const out: ListenerTlsOptions = { forwardClientCertificate: false, problems: [] };
  if (!isRecord(options)) return out;
  for (const [key, value] of Object.entries(options)) {
    if (!key.startsWith(OPTION_DOMAIN)) continue;
    if (!KNOWN.has(key)) {
      out.problems.push({ key, message: `${key} is not a kupstream listener option (known: ${[...KNOWN].join(', ')}); it is ignored` });
      continue;
    }
    if (value === 'true') out.forwardClientCertificate = true;
    else if (value !== 'false')
      out.problems.push({
        key,
        message: `${key}: expected "true" or "false", found ${JSON.stringify(value)}; the certificate is not forwarded`,
      });
  }
  return out;
}
