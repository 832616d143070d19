// A structural check of a TranslationResult against the JSON contract (DESIGN §3):
// what a host may rely on whatever the input was. Returns the problems found, in words.
const SEVERITIES = new Set(['error', 'warning', 'info']);
const PROTOCOLS = new Set(['http1', 'http2']);

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';

function checkRef(ref: unknown, where: string, problems: string[]): void {
  if (!isRecord(ref)) return void problems.push(`${where}: not a resource reference`);
  if (typeof ref.kind !== 'string') problems.push(`${where}.kind: not a string`);
  if (typeof ref.name !== 'string') problems.push(`${where}.name: not a string`);
  if (ref.namespace !== undefined && typeof ref.namespace !== 'string') problems.push(`${where}.namespace: not a string`);
}

export function modelProblems(result: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(result)) return ['the result is not an object'];
  for (const list of ['endpoints', 'upstreams', 'statuses', 'diagnostics']) {
    if (!Array.isArray(result[list])) problems.push(`${list}: not an array`);
  }
  if (problems.length) return problems;
  const upstreams = result.upstreams as unknown[];
  const names = new Set<string>();
  upstreams.forEach((u, i) => {
    const where = `upstreams[${i}]`;
    if (!isRecord(u)) return void problems.push(`${where}: not an object`);
    if (!isText(u.name)) problems.push(`${where}.name: not a non-empty string`);
    else if (names.has(u.name)) problems.push(`${where}.name: ${u.name} is not unique`);
    else names.add(u.name);
    if (!isText(u.url)) problems.push(`${where}.url: not a non-empty string`);
    if (!PROTOCOLS.has(u.protocol as string)) problems.push(`${where}.protocol: ${JSON.stringify(u.protocol)}`);
    if (u.tls !== undefined) {
      if (!isRecord(u.tls) || !isRecord(u.tls.verification) || !['none', 'ca', 'system'].includes(u.tls.verification.mode as string)) {
        problems.push(`${where}.tls: no valid verification mode`);
      }
    }
  });
  (result.endpoints as unknown[]).forEach((e, i) => {
    const where = `endpoints[${i}]`;
    if (!isRecord(e)) return void problems.push(`${where}: not an object`);
    if (!isText(e.name)) problems.push(`${where}.name: not a non-empty string`);
    if (!isText(e.url)) problems.push(`${where}.url: not a non-empty string`);
    if (!Array.isArray(e.sources)) problems.push(`${where}.sources: not an array`);
    else e.sources.forEach((s, j) => checkRef(s, `${where}.sources[${j}]`, problems));
    if (!Array.isArray(e.routes)) return void problems.push(`${where}.routes: not an array`);
    e.routes.forEach((r, j) => {
      const at = `${where}.routes[${j}]`;
      if (!isRecord(r)) return void problems.push(`${at}: not an object`);
      if (!isText(r.name)) problems.push(`${at}.name: not a non-empty string`);
      if (!Array.isArray(r.matches)) problems.push(`${at}.matches: not an array`);
      if (!Array.isArray(r.backends)) return void problems.push(`${at}.backends: not an array`);
      r.backends.forEach((b, k) => {
        if (!isRecord(b)) return void problems.push(`${at}.backends[${k}]: not an object`);
        if (typeof b.upstream !== 'string' || !names.has(b.upstream))
          problems.push(`${at}.backends[${k}].upstream: ${JSON.stringify(b.upstream)} names no upstream of the result`);
        if (typeof b.weight !== 'number' || !Number.isFinite(b.weight) || b.weight < 0)
          problems.push(`${at}.backends[${k}].weight: ${JSON.stringify(b.weight)}`);
      });
    });
  });
  (result.statuses as unknown[]).forEach((s, i) => {
    const where = `statuses[${i}]`;
    if (!isRecord(s)) return void problems.push(`${where}: not an object`);
    for (const field of ['apiVersion', 'kind', 'name'])
      if (!isText(s[field])) problems.push(`${where}.${field}: ${JSON.stringify(s[field])} is not a non-empty string`);
    if (s.namespace !== undefined && typeof s.namespace !== 'string') problems.push(`${where}.namespace: not a string`);
    if (!isRecord(s.status)) problems.push(`${where}.status: not an object`);
  });
  (result.diagnostics as unknown[]).forEach((d, i) => {
    const where = `diagnostics[${i}]`;
    if (!isRecord(d)) return void problems.push(`${where}: not an object`);
    if (!SEVERITIES.has(d.severity as string)) problems.push(`${where}.severity: ${JSON.stringify(d.severity)}`);
    if (!isText(d.code)) problems.push(`${where}.code: not a non-empty string`);
    if (!isText(d.message)) problems.push(`${where}.message: not a non-empty string`);
    checkRef(d.resource, `${where}.resource`, problems);
    if (d.field !== undefined && typeof d.field !== 'string') problems.push(`${where}.field: not a string`);
  });
  return problems;
}
