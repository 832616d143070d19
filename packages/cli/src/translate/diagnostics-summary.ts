// The stderr view of a translation's diagnostics for `serve` (translate prints them in the JSON).
import type { Diagnostic, TranslationModel } from '@kupstream/core';

export function summarizeDiagnostics(diagnostics: readonly Diagnostic[]): string[] {
  const count = (severity: Diagnostic['severity']) => diagnostics.filter((d) => d.severity === severity).length;
  const errors = count('error');
  const warnings = count('warning');
  const infos = count('info');
  const lines = [
    `${diagnostics.length} diagnostic${plural(diagnostics.length)}: ${errors} error${plural(errors)}, ${warnings} warning${plural(warnings)}, ${infos} info`,
  ];
  for (const d of diagnostics) if (d.severity !== 'info') lines.push(`  ${formatDiagnostic(d)}`);
  return lines;
}

export function formatDiagnostic(d: Diagnostic): string {
  const kind = printable(d.resource.kind);
  const namespace = printable(d.resource.namespace ?? '');
  const name = printable(d.resource.name);
  const resource = `${kind} ${namespace ? `${namespace}/` : ''}${name}`.trim();
  return `${d.severity} ${d.code} ${resource}${d.field ? ` ${printable(d.field)}` : ''}: ${printable(d.message)}`;
}

/**
 * Control characters (C0, DEL, C1; line breaks too) removed: a name or message from a
 * manifest cannot forge a log line or drive the terminal (ANSI escapes).
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

export function errorCount(model: TranslationModel): number {
  return model.diagnostics.filter((d) => d.severity === 'error').length;
}

/** Endpoints the HTTP listener serves (tcp:// and tls:// ones need listeners of their own). */
export function httpEndpointCount(model: TranslationModel): { served: number; notServed: string[] } {
  const notServed = model.endpoints.filter((e) => !/^https?:\/\//.test(e.url)).map((e) => e.url);
  return { served: model.endpoints.length - notServed.length, notServed };
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}

/** `2 endpoints (L4, on listeners of their own: tcp://…)`, for the start and reload lines. */
export function servedCount(model: TranslationModel): string {
  const { served, notServed } = httpEndpointCount(model);
  const extra = notServed.length ? ` (L4, on listeners of their own: ${notServed.join(', ')})` : '';
  return `${served} endpoint${plural(served)}${extra}`;
}
