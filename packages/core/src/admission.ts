// Which entries of an input list a translator takes in: objects only, each with a name,
// each namespace/name once. Every translator admits its lists through this, so the same
// mistake gets the same code and the same words whichever kind it is made in.
import type { DiagnosticList } from './diagnostics.js';
import type { Identity } from './object-meta.js';
import { isRecord } from './resource-ref.js';

/** Which of several objects with one namespace/name a translator keeps. */
export type DuplicateRule = 'oldest' | 'first in canonical order';

export const AdmissionCode = {
  /** An entry of a list that is not an object (a string, a number, null, a list). */
  objectMalformed: 'ObjectMalformed',
  /** An object without `metadata.name`. */
  objectNameMissing: 'ObjectNameMissing',
  /** A namespace/name the list holds more than once. */
  duplicateObject: 'DuplicateObject',
} as const;

/**
 * Reports the entries of `list` that are not objects, as one `ObjectMalformed` error for
 * the kind (they have no name to report them by). Returns how many there were.
 */
export function reportMalformed(list: unknown, kind: string, diagnostics: DiagnosticList): number {
  if (!Array.isArray(list)) return 0;
  let malformed = 0;
  for (const entry of list) if (!isRecord(entry)) malformed++;
  if (malformed > 0) {
    const entries = malformed === 1 ? 'entry is not an object and was' : 'entries are not objects and were';
    diagnostics.error(AdmissionCode.objectMalformed, { kind, name: '' }, `${malformed} ${kind} ${entries} not translated`);
  }
  return malformed;
}

/**
 * Admits the objects of one kind one by one, in the order the translator decided (which
 * fixes the one kept among duplicates: say which with `rule`).
 */
export class ObjectAdmission {
  readonly #seen = new Set<string>();

  constructor(
    readonly kind: string,
    readonly rule: DuplicateRule,
    readonly diagnostics: DiagnosticList,
  ) {}

  /** Whether the object has a name; reports it when not. */
  named(identity: Pick<Identity, 'namespace' | 'name'>): boolean {
    if (identity.name) return true;
    this.diagnostics.error(
      AdmissionCode.objectNameMissing,
      { kind: this.kind, namespace: identity.namespace, name: '' },
      `${this.kind} has no metadata.name and was not translated`,
      'metadata.name',
    );
    return false;
  }

  /** Whether the object is taken in: it has a name, and no object with its namespace/name came before. Reports it when not. */
  admit(identity: Pick<Identity, 'namespace' | 'name'>): boolean {
    if (!this.named(identity)) return false;
    const key = `${identity.namespace}/${identity.name}`;
    if (!this.#seen.has(key)) {
      this.#seen.add(key);
      return true;
    }
    this.diagnostics.error(
      AdmissionCode.duplicateObject,
      { kind: this.kind, namespace: identity.namespace, name: identity.name },
      `${this.kind} ${key} appears more than once in the input; the ${this.rule} is translated`,
    );
    return false;
  }

  /** Whether an object with this namespace/name was admitted. */
  has(namespace: string, name: string): boolean {
    return this.#seen.has(`${namespace}/${name}`);
  }
}
