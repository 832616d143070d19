import type { Diagnostic, ResourceRef, Severity } from './model.js';
import { compareRefs, compareStrings } from './resource-ref.js';

/** Collects diagnostics during one translation. */
export class DiagnosticList {
  readonly items: Diagnostic[] = [];

  add(severity: Severity, code: string, resource: ResourceRef, message: string, field?: string): Diagnostic {
    const diagnostic: Diagnostic = { severity, code, message, resource, ...(field !== undefined ? { field } : {}) };
    this.items.push(diagnostic);
    return diagnostic;
  }
  error(code: string, resource: ResourceRef, message: string, field?: string): Diagnostic {
    return this.add('error', code, resource, message, field);
  }
  warning(code: string, resource: ResourceRef, message: string, field?: string): Diagnostic {
    return this.add('warning', code, resource, message, field);
  }
  info(code: string, resource: ResourceRef, message: string, field?: string): Diagnostic {
    return this.add('info', code, resource, message, field);
  }
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    compareRefs(a.resource, b.resource) ||
    compareStrings(a.field ?? '', b.field ?? '') ||
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    compareStrings(a.code, b.code) ||
    compareStrings(a.message, b.message)
  );
}
