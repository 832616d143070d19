// BackendTLSPolicy `spec.options`: the implementation-specific keys kupstream reads, under
// its own domain: `kupstream.dev/min-tls-version` and `kupstream.dev/max-tls-version`
// ("1.2" / "1.3", as Envoy Gateway spells them), `kupstream.dev/ciphers` (an OpenSSL
// cipher list) and `kupstream.dev/alpn` (a comma list of h2, http/1.1); and the trust
// source Gateway API has no field for: `kupstream.dev/ca-trust-bundle-signer` with the
// optional `kupstream.dev/ca-trust-bundle-selector` (a label selector as `kubectl -l` writes
// it) select ClusterTrustBundles as a projected volume does. Keys of other domains belong to
// other implementations and are left alone; an unknown `kupstream.dev/` key or an invalid
// value makes the policy invalid (its ports are then not dialed).
import {
  checkCipherList,
  checkVersionRange,
  describeTlsParameters,
  isRecord,
  parseAlpnList,
  parseTlsVersion,
  TLS_PARAMETER_DEFAULTS,
  type TlsParameters,
} from '@kupstream/core/building-blocks';
import { isValidSignerName, type TrustBundleSelector } from './cluster-trust-bundles.js';
import { parseLabelSelectorText } from './label-selector-text.js';

export const OPTION_DOMAIN = 'kupstream.dev/';

export const BackendTlsOption = {
  MinTlsVersion: `${OPTION_DOMAIN}min-tls-version`,
  MaxTlsVersion: `${OPTION_DOMAIN}max-tls-version`,
  Ciphers: `${OPTION_DOMAIN}ciphers`,
  Alpn: `${OPTION_DOMAIN}alpn`,
  CaTrustBundleSigner: `${OPTION_DOMAIN}ca-trust-bundle-signer`,
  CaTrustBundleSelector: `${OPTION_DOMAIN}ca-trust-bundle-selector`,
} as const;

/** The condition type on each ancestor that reports the options in effect (or why they are not). */
export const TLS_OPTIONS_CONDITION = `${OPTION_DOMAIN}TLSOptions`;

export type BackendTlsOptionsOutcome =
  | {
      ok: true;
      /** Absent when no kupstream option is set. */
      parameters?: TlsParameters;
      /** Keys of other implementations, ignored. */
      foreign: string[];
      /** `min TLSv1.3, ALPN h2,http/1.1`, for status. */
      summary: string;
      /** ClusterTrustBundles to trust beside (or instead of) `caCertificateRefs`. */
      trustBundles?: TrustBundleSelector;
    }
  | { ok: false; field: string; message: string };

export function readBackendTlsOptions(options: unknown): BackendTlsOptionsOutcome {
  if (options === undefined || options === null) return { ok: true, foreign: [], summary: '' };
  if (!isRecord(options)) return { ok: false, field: 'spec.options', message: 'spec.options must be a map of strings' };
  const parameters: TlsParameters = {};
  const foreign: string[] = [];
  const known = new Set<string>(Object.values(BackendTlsOption));
  let signerName: string | undefined;
  let selectorText: string | undefined;
  for (const key of Object.keys(options).sort()) {
    const value = options[key];
    const field = `spec.options[${key}]`;
    if (!key.startsWith(OPTION_DOMAIN)) {
      foreign.push(key);
      continue;
    }
    if (!known.has(key)) return { ok: false, field, message: `${key} is not a kupstream option (${[...known].join(', ')})` };
    if (typeof value !== 'string') return { ok: false, field, message: `${key} must be a string` };
    if (key === BackendTlsOption.MinTlsVersion || key === BackendTlsOption.MaxTlsVersion) {
      const version = parseTlsVersion(value);
      if (!version.ok) return { ok: false, field, message: `${key}: ${version.message}` };
      if (key === BackendTlsOption.MinTlsVersion) parameters.minVersion = version.value;
      else parameters.maxVersion = version.value;
    } else if (key === BackendTlsOption.Ciphers) {
      const ciphers = checkCipherList(value);
      if (!ciphers.ok) return { ok: false, field, message: `${key}: ${ciphers.message}` };
      parameters.ciphers = ciphers.value;
    } else if (key === BackendTlsOption.CaTrustBundleSigner) {
      if (!isValidSignerName(value))
        return {
          ok: false,
          field,
          message: `${key}: ${JSON.stringify(value)} is not a signer name (<domain>/<path>, e.g. example.com/my-ca)`,
        };
      signerName = value;
    } else if (key === BackendTlsOption.CaTrustBundleSelector) {
      selectorText = value;
    } else {
      const alpn = parseAlpnList(value);
      if (!alpn.ok) return { ok: false, field, message: `${key}: ${alpn.message}` };
      parameters.alpn = alpn.value;
    }
  }
  let trustBundles: TrustBundleSelector | undefined;
  if (selectorText !== undefined && signerName === undefined) {
    const field = `spec.options[${BackendTlsOption.CaTrustBundleSelector}]`;
    return {
      ok: false,
      field,
      message: `${BackendTlsOption.CaTrustBundleSelector} selects among the bundles of a signer: set ${BackendTlsOption.CaTrustBundleSigner} too`,
    };
  }
  if (signerName !== undefined) {
    const selector = parseLabelSelectorText(selectorText ?? '');
    if (!selector.ok) return { ok: false, field: `spec.options[${BackendTlsOption.CaTrustBundleSelector}]`, message: selector.message };
    trustBundles = { signerName, matches: selector.matches, labelSelector: selector.canonical };
  }
  const range = checkVersionRange(parameters.minVersion, parameters.maxVersion);
  if (!range.ok) return { ok: false, field: 'spec.options', message: range.message };
  const summary = describeTlsParameters(parameters);
  // Defaults asked for explicitly change nothing, and keep the upstream's name.
  if (parameters.minVersion === TLS_PARAMETER_DEFAULTS.minVersion) delete parameters.minVersion;
  if (parameters.maxVersion === TLS_PARAMETER_DEFAULTS.maxVersion) delete parameters.maxVersion;
  return {
    ok: true,
    ...(Object.keys(parameters).length > 0 || summary ? { parameters } : {}),
    foreign,
    summary,
    ...(trustBundles ? { trustBundles } : {}),
  };
}
