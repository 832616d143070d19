// The translation result: the JSON model plus, non-enumerable, the credential store and
// the time the translation was made at.
import { compareDiagnostics } from './diagnostics.js';
import { CredentialStore } from './credential-store.js';
import type { Diagnostic, Endpoint, ResourceStatus, TranslationModel, Upstream } from './model.js';
import { compareStrings } from './resource-ref.js';

export interface TranslationResult extends TranslationModel {
  /** Resolved PEM by Secret reference and CA digest. Non-enumerable: JSON never sees it. */
  readonly credentials: CredentialStore;
  /**
   * The translation's clock reading (its `now`). Non-enumerable. `mergeResults` stamps the
   * conditions it adds with it; absent on results built by hand without one.
   */
  readonly translatedAt?: Date;
}

/**
 * Puts a model in canonical order (endpoints by URL then name, upstreams by name,
 * statuses by object, diagnostics by resource/field/severity/code/message), drops exact
 * duplicate diagnostics and upstreams, and attaches the credentials and the translation
 * time non-enumerably.
 */
export function createTranslationResult(
  model: TranslationModel,
  credentials: CredentialStore = new CredentialStore(),
  translatedAt?: Date,
): TranslationResult {
  const result = {
    endpoints: [...model.endpoints].sort(compareEndpoints),
    upstreams: dedupeSorted(
      [...model.upstreams].sort((a, b) => compareStrings(a.name, b.name)),
      (a, b) => a.name === b.name,
    ),
    statuses: [...model.statuses].sort(compareStatuses),
    diagnostics: dedupeSorted(
      [...model.diagnostics].sort(compareDiagnostics),
      (a, b) => compareDiagnostics(a, b) === 0 && a.severity === b.severity,
    ),
  };
  Object.defineProperty(result, 'credentials', { value: credentials, enumerable: false, writable: false, configurable: false });
  if (translatedAt !== undefined)
    Object.defineProperty(result, 'translatedAt', { value: translatedAt, enumerable: false, writable: false, configurable: false });
  return result as TranslationResult;
}

export function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return compareStrings(a.url, b.url) || compareStrings(a.name, b.name);
}

export function compareStatuses(a: ResourceStatus, b: ResourceStatus): number {
  return (
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.namespace ?? '', b.namespace ?? '') ||
    compareStrings(a.name, b.name) ||
    compareStrings(a.apiVersion, b.apiVersion)
  );
}

function dedupeSorted<T>(items: T[], same: (a: T, b: T) => boolean): T[] {
  return items.filter((item, i) => i === 0 || !same(items[i - 1]!, item));
}

export type { Diagnostic, Upstream };
