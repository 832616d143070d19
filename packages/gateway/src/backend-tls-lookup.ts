// BackendTLSPolicies and ReferenceGrants as another translator sees them (the Ingress
// translator applies BackendTLSPolicy to its backends and checks ReferenceGrants for
// cross-namespace Secrets): the same evaluation as for Gateways, built once per call.
// The policies' own diagnostics and status belong to the Gateway API translator, so they
// are kept out of the caller's result.
import type { CredentialStore, ClusterSnapshot, TranslateOptions, Verification } from '@kupstream/core';
import { CertificateCache, type TlsParameters, canonicalObjects } from '@kupstream/core/building-blocks';
import { BackendTlsPolicyIndex } from './backend-tls-policy.js';
import { buildIndexes, createContext } from './context.js';
import { resolveGatewayOptions } from './options.js';
import type { ReferenceRequest } from './reference-grants.js';

/** A BackendTLSPolicy as it applies to a Service port. */
export interface AppliedBackendTlsPolicy {
  ref: { namespace: string; name: string };
  /** Absent when the policy cannot verify (invalid, or its CA unresolved): fail closed. */
  verification?: Verification;
  /** SNI: `validation.hostname`. */
  hostname?: string;
  /** `spec.options` kupstream reads. */
  parameters?: TlsParameters;
  /** Why it cannot verify, in words (for the caller's diagnostic). */
  problem?: { reason: string; message: string };
}

export interface BackendTlsLookup {
  policyFor(namespace: string, service: string, portName: string | undefined): AppliedBackendTlsPolicy | undefined;
  permits(request: ReferenceRequest): boolean;
  /** CA bundles of the policies (by digest), for the caller's credential store. */
  credentials: CredentialStore;
}

export function backendTlsLookup(snapshot: ClusterSnapshot, options: TranslateOptions = {}): BackendTlsLookup {
  const resolved = resolveGatewayOptions(options);
  const input = snapshot ?? {};
  const ctx = createContext(buildIndexes(input, resolved.defaultNamespace), resolved, new CertificateCache());
  const index = new BackendTlsPolicyIndex(ctx, canonicalObjects(input.backendTLSPolicies, resolved.defaultNamespace));
  return {
    policyFor(namespace, service, portName) {
      const state = index.policyFor(namespace, service, portName);
      if (!state) return undefined;
      const ref = { namespace: state.ref.namespace ?? namespace, name: state.ref.name };
      // As for Gateways: a policy that verifies is used (a Conflicted one still wins the targets it holds).
      const usable = state.verification !== undefined;
      return {
        ref,
        ...(usable ? { verification: state.verification } : {}),
        ...(state.hostname ? { hostname: state.hostname } : {}),
        ...(state.parameters ? { parameters: state.parameters } : {}),
        ...(usable
          ? {}
          : {
              problem: {
                reason: state.accepted.status ? state.resolvedRefs.reason : state.accepted.reason,
                message: state.accepted.message || state.resolvedRefs.message || 'no valid CA certificate',
              },
            }),
      };
    },
    permits: (request) => ctx.grants.permits(request),
    credentials: ctx.credentials,
  };
}
