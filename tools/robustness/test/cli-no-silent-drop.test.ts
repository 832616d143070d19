// Nothing is silently dropped: every object the CLI is given that kupstream translates
// (or cannot place at all) ends up in the output — in a status, as an endpoint source,
// or named by a diagnostic — checked by kind + namespace + name over the golden fixture
// sets and the wrong-shape corpus. Supporting objects (Service, Secret, ConfigMap,
// Namespace, ReferenceGrant, IngressClass — none has a status kupstream writes) are
// exempt when nothing references them: DESIGN reports problems of the objects that use
// them, not their existence.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { snapshotKeyFor } from '@kupstream/core';
import { fillPlaceholders } from '@kupstream/golden';
import { makeTempDir, runKupstream, type TempDir } from './support/cli.js';
import { fixtureDir, type FixturePackage } from './support/seeds.js';
import { SHAPE_CASES } from './support/shape-corpus.js';

/** Kinds whose objects are translated themselves (they get a status or an endpoint). */
const TRANSLATED = new Set(['GatewayClass', 'Gateway', 'HTTPRoute', 'BackendTLSPolicy', 'Ingress', 'AgentEndpoint']);
const CLUSTER_SCOPED = new Set(['GatewayClass', 'IngressClass', 'Namespace']);

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Ref {
  kind: string;
  namespace?: string;
  name: string;
}

/** The objects of a manifest text as the CLI sees them (Lists flattened, namespaces defaulted). */
function objectsOf(text: string): Json[] {
  const out: Json[] = [];
  const visit = (value: unknown) => {
    if (!isRecord(value)) return;
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) return value.items.forEach(visit);
    out.push(value);
  };
  for (const doc of parseAllDocuments(text)) visit(doc.toJS());
  return out;
}

function refOf(object: Json): Ref & { named: boolean } {
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const named = typeof metadata.name === 'string' && metadata.name !== '';
  const name = named ? (metadata.name as string) : '';
  if (CLUSTER_SCOPED.has(kind)) return { kind, name, named };
  const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default';
  return { kind, namespace, name, named };
}

/** Every object reference the output mentions, as `kind|namespace|name` (namespace '' when absent). */
function mentioned(model: Json): { keys: Set<string>; unnamedDiagnosed: Set<string> } {
  const keys = new Set<string>();
  const unnamedDiagnosed = new Set<string>();
  const add = (r: unknown) => {
    if (isRecord(r) && typeof r.kind === 'string' && typeof r.name === 'string')
      keys.add(`${r.kind}|${typeof r.namespace === 'string' ? r.namespace : ''}|${r.name}`);
  };
  for (const s of model.statuses as Json[]) add(s);
  for (const e of model.endpoints as Json[]) for (const s of (e.sources as unknown[]) ?? []) add(s);
  for (const d of model.diagnostics as Json[]) {
    add(d.resource);
    const r = d.resource as Json;
    if (r.name === '' && typeof d.field === 'string' && d.field.startsWith('metadata')) unnamedDiagnosed.add(String(r.kind));
  }
  return { keys, unnamedDiagnosed };
}

function accounted(ref: Ref & { named: boolean }, seen: ReturnType<typeof mentioned>): boolean {
  if (!ref.named) return seen.unnamedDiagnosed.has(ref.kind);
  return (
    seen.keys.has(`${ref.kind}|${ref.namespace ?? ''}|${ref.name}`) ||
    (ref.namespace !== undefined && seen.keys.has(`${ref.kind}||${ref.name}`))
  );
}

async function checkNothingDropped(dir: TempDir, files: Record<string, string>): Promise<void> {
  const paths = Object.entries(files).map(([name, text]) => dir.write(name, text));
  const run = await runKupstream(['translate', '-f', dir.path], { timeoutMs: 60_000 });
  assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
  const seen = mentioned(JSON.parse(run.stdout) as Json);
  const dropped: string[] = [];
  for (const [i, text] of Object.values(files).entries()) {
    for (const object of objectsOf(text)) {
      const ref = refOf(object);
      const read = snapshotKeyFor(object.apiVersion, object.kind) !== undefined;
      if (read && !TRANSLATED.has(ref.kind)) continue;
      if (!accounted(ref, seen)) dropped.push(`${ref.kind} ${ref.namespace ?? ''}/${ref.name || '(no name)'} from ${paths[i]}`);
    }
  }
  assert.deepEqual(dropped, [], 'objects neither in the output nor named by a diagnostic');
}

describe('CLI: no resource silently dropped', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  for (const pkg of ['gateway', 'ingress', 'core'] as FixturePackage[]) {
    it(`accounts for every object of the ${pkg} golden fixtures, all read at once`, async () => {
      const files: Record<string, string> = {};
      for (const file of readdirSync(fixtureDir(pkg))
        .filter((f) => f.endsWith('.in.yaml'))
        .sort()) {
        files[file.replace('.in.yaml', '.yaml')] = await fillPlaceholders(readFileSync(`${fixtureDir(pkg)}/${file}`, 'utf8'));
      }
      await checkNothingDropped(dir, files);
    });
  }

  it('accounts for every object of the wrong-shape corpus', async () => {
    const files = Object.fromEntries(Object.values(SHAPE_CASES).map((c, i) => [`case-${i}.yaml`, c.text]));
    await checkNothingDropped(dir, files);
  });
});
