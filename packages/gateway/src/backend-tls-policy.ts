// BackendTLSPolicy (v1 and the v1alpha3 shape): which Service ports are verified and how.
// Conflicts on one target (Service + sectionName) go to the oldest policy; a sectioned
// target beats a sectionless one. Invalid CA material fails closed.
import type { ResourceRef, SubjectAltName, Verification } from '@kupstream/core';
import {
  checkCaBundle,
  compareByAge,
  identityOf,
  isRecord,
  ObjectAdmission,
  privateKeyEntries,
  readObjectValue,
  refOf,
  type Identity,
  type TlsParameters,
} from '@kupstream/core/building-blocks';
import type { BackendTLSPolicy } from '@kupstream/gateway-api-types';
import { BackendTlsOption, readBackendTlsOptions } from './backend-tls-options.js';
import {
  CLUSTER_TRUST_BUNDLE_GROUP,
  CLUSTER_TRUST_BUNDLE_KIND,
  describeTrustBundleSelector,
  readTrustBundle,
} from './cluster-trust-bundles.js';
import type { TranslationContext } from './context.js';
import { isValidHostname } from './hostnames.js';
import { Reason } from './reasons.js';
import type { ConditionSpec } from './status.js';

export interface PolicyState {
  object: BackendTLSPolicy;
  identity: Identity;
  ref: ResourceRef;
  /** The verification to use, when the policy is valid. */
  verification?: Verification;
  /** SNI: `validation.hostname`. */
  hostname?: string;
  accepted: ConditionSpec;
  resolvedRefs: ConditionSpec;
  /** `spec.options` kupstream reads (backend-tls-options.ts), when any is set. */
  parameters?: TlsParameters;
  /** The `kupstream.dev/TLSOptions` condition, when the policy sets options. */
  options?: ConditionSpec;
}

const NONE: readonly PolicyState[] = [];

export class BackendTlsPolicyIndex {
  readonly policies: PolicyState[] = [];
  /** `ns/service#section` ('' for no section) -> the winning policy. */
  readonly #winners = new Map<string, PolicyState>();
  /** `ns/service` -> every policy targeting it (for ancestors). */
  readonly #byService = new Map<string, PolicyState[]>();
  /** `ns/service#port` -> the policies targeting that port. */
  readonly #targeting = new Map<string, PolicyState[]>();

  constructor(ctx: TranslationContext, policies: readonly BackendTLSPolicy[]) {
    // A policy without a name cannot be given a status, so it must not apply either.
    const admission = new ObjectAdmission('BackendTLSPolicy', 'oldest', ctx.diagnostics);
    const named = policies.filter((object) => admission.named(identityOf(object, ctx.options.defaultNamespace)));
    const states = named.map((object) => evaluatePolicy(ctx, object)).sort((a, b) => compareByAge(a.identity, b.identity));
    for (const state of states) {
      this.policies.push(state);
      const targetRefs = isRecord(state.object.spec) && Array.isArray(state.object.spec.targetRefs) ? state.object.spec.targetRefs : [];
      if (targetRefs.length === 0) {
        const message = 'spec.targetRefs names no Service';
        ctx.diagnostics.error('BackendTLSPolicyNoTarget', state.ref, message, 'spec.targetRefs');
      }
      let lost: PolicyState | undefined;
      targetRefs.forEach((target, i) => {
        const field = `spec.targetRefs[${i}]`;
        if (!isRecord(target) || typeof target.name !== 'string' || target.name === '') {
          ctx.diagnostics.error('BackendTLSPolicyTargetInvalid', state.ref, 'targetRef needs a name', field);
          return;
        }
        if ((target.group ?? '') !== '' || target.kind !== 'Service') {
          ctx.diagnostics.error(
            'BackendTLSPolicyTargetInvalid',
            state.ref,
            `targetRef ${typeof target.kind === 'string' ? target.kind : JSON.stringify(target.kind ?? null)} ${target.name} is not a core Service; ignored`,
            field,
          );
          return;
        }
        const section = typeof target.sectionName === 'string' ? target.sectionName : '';
        const serviceKey = `${state.identity.namespace}/${target.name}`;
        const key = `${serviceKey}#${section}`;
        const winner = this.#winners.get(key);
        if (winner && winner !== state) lost ??= winner;
        else this.#winners.set(key, state);
        const list = this.#byService.get(serviceKey) ?? [];
        if (!list.includes(state)) list.push(state);
        this.#byService.set(serviceKey, list);
      });
      if (lost) {
        const message = `targets the same Service port as the older BackendTLSPolicy ${lost.ref.namespace}/${lost.ref.name}, which wins`;
        ctx.diagnostics.warning('BackendTLSPolicyConflicted', state.ref, message, 'spec.targetRefs');
        state.accepted = { status: false, reason: Reason.Conflicted, message };
      }
    }
  }

  /** The policy for a Service port: one naming the port beats one without a sectionName. */
  policyFor(namespace: string, service: string, portName: string | undefined): PolicyState | undefined {
    return (
      (portName ? this.#winners.get(`${namespace}/${service}#${portName}`) : undefined) ?? this.#winners.get(`${namespace}/${service}#`)
    );
  }

  /** Every policy that targets this Service port (a Gateway reaching it is their ancestor). */
  targeting(namespace: string, service: string, portName: string | undefined): readonly PolicyState[] {
    const states = this.#byService.get(`${namespace}/${service}`);
    if (!states) return NONE;
    // Computed once per Service port: routes reach the same ports again and again.
    const key = `${namespace}/${service}#${portName ?? ''}`;
    let targeting = this.#targeting.get(key);
    if (!targeting)
      this.#targeting.set(
        key,
        (targeting = states.filter((state) => {
          const sections = targetSections(state, service);
          return sections.has('') || (portName !== undefined && sections.has(portName));
        })),
      );
    return targeting;
  }
}

function targetSections(state: PolicyState, service: string): Set<string> {
  const targetRefs = isRecord(state.object.spec) && Array.isArray(state.object.spec.targetRefs) ? state.object.spec.targetRefs : [];
  return new Set(
    targetRefs
      .filter((t) => isRecord(t) && t.name === service)
      .map((t) => (isRecord(t) && typeof t.sectionName === 'string' ? t.sectionName : '')),
  );
}

function evaluatePolicy(ctx: TranslationContext, object: BackendTLSPolicy): PolicyState {
  const identity = identityOf(object, ctx.options.defaultNamespace);
  const ref = refOf('BackendTLSPolicy', object, ctx.options.defaultNamespace);
  const state: PolicyState = {
    object,
    identity,
    ref,
    accepted: { status: true, reason: Reason.Accepted, message: '' },
    resolvedRefs: { status: true, reason: Reason.ResolvedRefs, message: '' },
  };
  const invalid = (message: string, field: string, reason: string = Reason.Invalid) => {
    ctx.diagnostics.error('BackendTLSPolicyInvalid', ref, message, field);
    state.accepted = { status: false, reason, message };
    return state;
  };
  const options = readBackendTlsOptions(isRecord(object.spec) ? object.spec.options : undefined);
  if (!options.ok) {
    state.options = { status: false, reason: Reason.Invalid, message: options.message };
    return invalid(options.message, options.field);
  }
  if (options.foreign.length > 0) {
    ctx.diagnostics.warning(
      'BackendTLSPolicyOptionsIgnored',
      ref,
      `spec.options ${options.foreign.join(', ')} belong to other implementations and are ignored`,
      'spec.options',
    );
  }
  if (options.parameters) state.parameters = options.parameters;
  if (options.parameters || options.trustBundles) {
    const inEffect = [options.summary, options.trustBundles ? `CA from ${describeTrustBundleSelector(options.trustBundles)}` : '']
      .filter(Boolean)
      .join('; ');
    state.options = { status: true, reason: Reason.Accepted, message: `in effect: ${inEffect}` };
  }
  const validation = isRecord(object.spec) && isRecord(object.spec.validation) ? object.spec.validation : undefined;
  if (!validation) return invalid('spec.validation is required', 'spec.validation');
  const hostname = validation.hostname;
  if (typeof hostname !== 'string' || !isValidHostname(hostname) || hostname.startsWith('*')) {
    return invalid(
      `validation.hostname ${JSON.stringify(hostname ?? null)} must be a DNS name without wildcards`,
      'spec.validation.hostname',
    );
  }
  state.hostname = hostname;
  const sans = readSubjectAltNames(validation.subjectAltNames);
  if (typeof sans === 'string') return invalid(sans, 'spec.validation.subjectAltNames');
  const source = ref;
  const caRefs = validation.caCertificateRefs;
  const wellKnown = validation.wellKnownCACertificates;
  const hasCaRefs = Array.isArray(caRefs) && caRefs.length > 0;
  const hasWellKnown = wellKnown !== undefined && wellKnown !== null && wellKnown !== '';
  const trustBundles = options.trustBundles;
  if (trustBundles && hasWellKnown) {
    const message = `${BackendTlsOption.CaTrustBundleSigner} adds ClusterTrustBundles to validation.caCertificateRefs; it cannot be combined with wellKnownCACertificates`;
    state.options = { status: false, reason: Reason.Invalid, message };
    return invalid(message, `spec.options[${BackendTlsOption.CaTrustBundleSigner}]`);
  }
  if (hasCaRefs === hasWellKnown && !(trustBundles && !hasCaRefs)) {
    return invalid('exactly one of validation.caCertificateRefs and validation.wellKnownCACertificates must be set', 'spec.validation');
  }
  if (!hasCaRefs && !trustBundles) {
    if (wellKnown !== 'System')
      return invalid(
        `wellKnownCACertificates ${JSON.stringify(wellKnown)} is not supported (only System)`,
        'spec.validation.wellKnownCACertificates',
      );
    state.verification = { mode: 'system', hostname, ...(sans.length ? { subjectAltNames: sans } : {}), source };
    return state;
  }
  const pems: string[] = [];
  let refProblem: { reason: string; message: string } | undefined;
  const refs: unknown[] = Array.isArray(caRefs) ? caRefs : [];
  refs.forEach((value, i) => {
    const field = `spec.validation.caCertificateRefs[${i}]`;
    const problem = (reason: string, code: string, message: string) => {
      ctx.diagnostics.error(code, ref, message, field);
      refProblem ??= { reason, message };
    };
    if (!isRecord(value) || typeof value.name !== 'string' || value.name === '')
      return problem(Reason.InvalidCACertificateRef, 'CACertificateRefInvalid', 'CA certificate reference needs a name');
    const kind = value.kind;
    if (value.group === CLUSTER_TRUST_BUNDLE_GROUP && kind === CLUSTER_TRUST_BUNDLE_KIND) {
      const bundle = ctx.clusterTrustBundles.get(value.name);
      if (!bundle)
        return problem(Reason.InvalidCACertificateRef, 'CACertificateRefNotFound', `ClusterTrustBundle ${value.name} does not exist`);
      const read = readTrustBundle(bundle, value.name, ctx.options.now, ctx.certificates);
      for (const p of read.warnings) ctx.diagnostics.warning(p.code, ref, `ClusterTrustBundle ${value.name}: ${p.message}`, field);
      if (!read.ok) return problem(Reason.InvalidCACertificateRef, read.code, read.message);
      pems.push(read.pem);
      return;
    }
    if ((value.group ?? '') !== '' || (kind !== 'ConfigMap' && kind !== 'Secret')) {
      return problem(
        Reason.InvalidKind,
        'CACertificateRefInvalidKind',
        `CA certificate reference to ${typeof kind === 'string' ? kind : JSON.stringify(kind ?? null)} ${value.name} is not a core ConfigMap or Secret nor a certificates.k8s.io ClusterTrustBundle`,
      );
    }
    const holder =
      kind === 'ConfigMap' ? ctx.configMaps.get(identity.namespace, value.name) : ctx.secrets.get(identity.namespace, value.name);
    if (!holder)
      return problem(
        Reason.InvalidCACertificateRef,
        'CACertificateRefNotFound',
        `${kind} ${identity.namespace}/${value.name} does not exist`,
      );
    const encoding = kind === 'ConfigMap' ? 'text' : 'base64';
    const keys = privateKeyEntries(holder, encoding);
    if (keys.length)
      ctx.diagnostics.warning(
        'CACertificateRefHoldsPrivateKey',
        ref,
        `${kind} ${identity.namespace}/${value.name} holds a private key (${keys.map((k) => `"${k}"`).join(', ')}) beside the CA certificate; whoever can read it can read the key: keep only ca.crt there`,
        field,
      );
    const read = readObjectValue(holder, 'ca.crt', encoding);
    if (!read.ok)
      return problem(
        Reason.InvalidCACertificateRef,
        read.problem.code,
        `${kind} ${identity.namespace}/${value.name} ${read.problem.message}`,
      );
    const bundle = checkCaBundle(read.value, ctx.options.now, ctx.certificates);
    for (const p of bundle.problems.filter((p) => !p.fatal))
      ctx.diagnostics.warning(p.code, ref, `${kind} ${identity.namespace}/${value.name}: ${p.message}`, field);
    if (!bundle.pem) {
      const fatal = bundle.problems.find((p) => p.fatal);
      return problem(
        Reason.InvalidCACertificateRef,
        fatal?.code ?? 'CaBundleInvalid',
        `${kind} ${identity.namespace}/${value.name} ca.crt ${fatal?.message ?? 'holds no usable certificate'}`,
      );
    }
    pems.push(bundle.pem);
  });
  if (trustBundles) {
    const field = `spec.options[${BackendTlsOption.CaTrustBundleSigner}]`;
    const problem = (code: string, message: string) => {
      ctx.diagnostics.error(code, ref, message, field);
      refProblem ??= { reason: Reason.InvalidCACertificateRef, message };
    };
    const names = ctx.clusterTrustBundles.select(trustBundles);
    if (names.length === 0)
      problem(
        'ClusterTrustBundleNotSelected',
        `no ClusterTrustBundle of signer ${trustBundles.signerName} ${trustBundles.labelSelector ? `matches ${trustBundles.labelSelector}` : 'exists'}`,
      );
    for (const name of names) {
      const read = readTrustBundle(ctx.clusterTrustBundles.get(name)!, name, ctx.options.now, ctx.certificates);
      for (const p of read.warnings) ctx.diagnostics.warning(p.code, ref, `ClusterTrustBundle ${name}: ${p.message}`, field);
      if (read.ok) pems.push(read.pem);
      else problem(read.code, read.message);
    }
  }
  if (refProblem) state.resolvedRefs = { status: false, reason: refProblem.reason, message: refProblem.message };
  if (pems.length === 0) {
    state.accepted = { status: false, reason: Reason.NoValidCACertificate, message: refProblem?.message ?? 'no valid CA certificate' };
    return state;
  }
  const bundle = checkCaBundle(pems.join(''), ctx.options.now, ctx.certificates);
  if (!bundle.sha256 || !bundle.pem) return state;
  ctx.credentials.setCaBundle(bundle.sha256, bundle.pem);
  state.verification = { mode: 'ca', caSha256: bundle.sha256, hostname, ...(sans.length ? { subjectAltNames: sans } : {}), source };
  return state;
}

function readSubjectAltNames(value: unknown): SubjectAltName[] | string {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return 'subjectAltNames must be a list';
  const out: SubjectAltName[] = [];
  for (const entry of value) {
    if (isRecord(entry) && entry.type === 'Hostname' && typeof entry.hostname === 'string' && isValidHostname(entry.hostname))
      out.push({ type: 'Hostname', hostname: entry.hostname });
    else if (isRecord(entry) && entry.type === 'URI' && typeof entry.uri === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(entry.uri))
      out.push({ type: 'URI', uri: entry.uri });
    else return `subjectAltNames entry ${JSON.stringify(entry)} must be {type: Hostname, hostname} or {type: URI, uri}`;
  }
  return out;
}
