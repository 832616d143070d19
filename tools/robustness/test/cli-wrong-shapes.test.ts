// Manifests that parse but are wrong, through the real binary in one run (one file per
// case, each object named after its case): exit 0, a valid JSON model on stdout, and for
// each case a diagnostic on the broken object naming the broken field. Never a stack trace.
import assert from 'node:assert/strict';
import { createSeedPki, issue } from '@kupstream/test-pki';
import { makeTempDir, runKupstream, STACK_TRACE, type CliRun, type TempDir } from './support/cli.js';
import { modelProblems } from './support/model-check.js';
import { EMPTY_CASES, NON_OBJECT_CASES, SHAPE_CASES, secretCases, type Expected, type ShapeCase } from './support/shape-corpus.js';

interface Diagnostic {
  severity: string;
  code: string;
  message: string;
  resource: { kind: string; namespace?: string; name: string };
  field?: string;
}

function matches(d: Diagnostic, e: Expected): boolean {
  return (
    d.resource.kind === e.kind &&
    d.resource.name === e.name &&
    (d.resource.namespace === undefined || d.resource.namespace === e.namespace) &&
    e.field.test(d.field ?? '') &&
    (!e.message || e.message.test(d.message))
  );
}

describe('CLI: wrong shapes are translated and diagnosed by field', () => {
  let dir: TempDir;
  let run: CliRun;
  let diagnostics: Diagnostic[];
  const files = new Map<string, string>();
  let cases: Record<string, ShapeCase> = { ...SHAPE_CASES };

  before(async () => {
    const pki = await createSeedPki();
    const other = await issue(pki.ca, { subject: 'CN=OtherClient', extendedKeyUsage: ['clientAuth'] });
    cases = { ...SHAPE_CASES, ...secretCases({ certPem: pki.client.certPem, keyPem: pki.client.keyPem, otherKeyPem: other.keyPem }) };
    dir = makeTempDir();
    let n = 0;
    const all: [string, string][] = [
      ...Object.entries(cases).map(([k, c]) => [k, c.text] as [string, string]),
      ...Object.entries(NON_OBJECT_CASES).map(([k, c]) => [k, c.text] as [string, string]),
      ...Object.entries(EMPTY_CASES),
    ];
    for (const [name, text] of all) files.set(name, dir.write(`case-${String(n++).padStart(2, '0')}.yaml`, text));
    run = await runKupstream(['translate', '-f', dir.path, '--now', new Date().toISOString()], { timeoutMs: 60_000 });
    diagnostics = run.code === 0 ? ((JSON.parse(run.stdout) as { diagnostics: Diagnostic[] }).diagnostics ?? []) : [];
  });
  after(() => dir.remove());

  it('exits 0 with a valid model on stdout and nothing alarming on stderr', () => {
    assert.equal(run.timedOut, false, 'the CLI hung');
    assert.equal(run.code, 0, `exit ${run.code}; stderr: ${run.stderr}`);
    assert.doesNotMatch(run.stderr, STACK_TRACE);
    assert.deepEqual(modelProblems(JSON.parse(run.stdout)), []);
  });

  // Test names are needed before the PKI exists: the Secret cases' names do not depend on it.
  for (const name of Object.keys({ ...SHAPE_CASES, ...secretCases({ certPem: '', keyPem: '', otherKeyPem: '' }) })) {
    it(`diagnoses ${name}, naming the field`, () => {
      for (const expected of cases[name]!.expect) {
        const found = diagnostics.some((d) => matches(d, expected));
        const about = diagnostics
          .filter((d) => d.resource.kind === expected.kind && d.resource.name === expected.name)
          .map((d) => `${d.code} field=${d.field} ${d.message.slice(0, 120)}`);
        assert.ok(
          found,
          `no diagnostic on ${expected.kind} ${expected.namespace}/${expected.name} with field ${expected.field}${expected.message ? ` and message ${expected.message}` : ''}; its diagnostics: ${JSON.stringify(about, null, 1)}`,
        );
      }
    });
  }

  for (const [name, { documents }] of Object.entries(NON_OBJECT_CASES)) {
    it(`reports ${name} by file and document`, () => {
      const file = files.get(name)!;
      for (const document of documents) {
        assert.ok(
          diagnostics.some((d) => d.message.includes(`${file} (document ${document}, line `)),
          `no diagnostic names ${file} document ${document}`,
        );
      }
    });
  }

  it('says nothing about files that hold no object', () => {
    for (const name of Object.keys(EMPTY_CASES)) {
      const file = files.get(name)!;
      assert.deepEqual(
        diagnostics.filter((d) => d.message.includes(file)),
        [],
      );
    }
  });
});
