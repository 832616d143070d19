import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { InputError } from '../src/errors.js';
import { loadManifests } from '../src/manifests/load-manifests.js';
import { MAX_SOURCE_BYTES, stdinReader } from '../src/manifests/read-source.js';
import { makeTempDir, type TempDir } from './helpers/temp-dir.js';

const service = (name: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n`;
const noStdin = stdinReader(Readable.from([]));

async function problemsOf(inputs: string[], readStdin = noStdin): Promise<readonly string[]> {
  try {
    await loadManifests(inputs, { namespace: 'default', readStdin });
  } catch (error) {
    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected the input to be refused');
}

describe('load-manifests: loadManifests', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  it('walks directories recursively in sorted order, manifest extensions only, skipping dot-files', async () => {
    dir.write('b.yaml', service('b'));
    dir.write('a.yml', service('a'));
    dir.write('sub/c.json', JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'c' } }));
    dir.write('sub/deeper/d.YAML', service('d'));
    dir.write('notes.txt', 'not: read');
    dir.write('.hidden.yaml', service('hidden'));
    dir.write('.git/config.yaml', service('git'));
    const loaded = await loadManifests([dir.path], { namespace: 'default', readStdin: noStdin });
    assert.deepEqual(
      loaded.sources.map((s) => (s.kind === 'file' ? s.path.slice(dir.path.length + 1) : '-')),
      ['a.yml', 'b.yaml', 'sub/c.json', 'sub/deeper/d.YAML'],
    );
    assert.deepEqual(
      loaded.snapshot.services?.map((s) => s.metadata?.name),
      ['a', 'b', 'c', 'd'],
    );
  });

  it('reads a file given explicitly whatever its extension, and stdin, in command-line order', async () => {
    const file = dir.write('manifest.txt', service('from-file'));
    const loaded = await loadManifests(['-', file], {
      namespace: 'ns1',
      readStdin: stdinReader(Readable.from([Buffer.from(service('from-stdin'))])),
    });
    assert.deepEqual(
      loaded.snapshot.services?.map((s) => [s.metadata?.name, s.metadata?.namespace]),
      [
        ['from-stdin', 'ns1'],
        ['from-file', 'ns1'],
      ],
    );
  });

  it('names stdin <stdin> in messages', async () => {
    const problems = await problemsOf(['-'], stdinReader(Readable.from([Buffer.from('a: [\n')])));
    assert.match(problems[0]!, /^cannot parse <stdin> \(document 1, line 2, column 1\)/);
  });

  it('gives the same fingerprint for the same input and another one after a change', async () => {
    const file = dir.write('s.yaml', service('a'));
    const first = await loadManifests([dir.path], { namespace: 'default', readStdin: noStdin });
    const again = await loadManifests([dir.path], { namespace: 'default', readStdin: noStdin });
    assert.equal(first.fingerprint, again.fingerprint);
    dir.write('s.yaml', service('b'));
    const changed = await loadManifests([file], { namespace: 'default', readStdin: noStdin });
    assert.notEqual(changed.fingerprint, first.fingerprint);
  });

  it('refuses a missing file, naming it', async () => {
    assert.deepEqual(await problemsOf([join(dir.path, 'nope.yaml')]), [
      `cannot read ${join(dir.path, 'nope.yaml')}: no such file or directory`,
    ]);
  });

  it('refuses a directory without manifests', async () => {
    dir.write('readme.md', '# nothing');
    assert.deepEqual(await problemsOf([dir.path]), [
      `cannot read ${dir.path}: the directory holds no manifest files (*.yaml, *.yml, *.json)`,
    ]);
  });

  it('refuses binary content and invalid UTF-8 with the offset', async () => {
    const binary = dir.write('binary.yaml', Buffer.from([0x61, 0x3a, 0x20, 0x00, 0xff]));
    const latin1 = dir.write('latin1.yaml', Buffer.concat([Buffer.from('name: \u00e9t\u00e9 caf'), Buffer.from([0xe9, 0x0a])]));
    assert.deepEqual(await problemsOf([binary, latin1]), [
      `cannot parse ${binary}: binary content (a NUL byte at offset 3); expected YAML or JSON text`,
      `cannot parse ${latin1}: not UTF-8 text (offset 15); expected YAML or JSON text`,
    ]);
  });

  it('reports every unparseable document of every file, with file, document, line and column', async () => {
    dir.write('1-good.yaml', service('ok'));
    const bad1 = dir.write('2-bad.yaml', `${service('x')}---\nkind: Service\nmetadata:\n  name: [unclosed\n`);
    const bad2 = dir.write('3-bad.json', '{"apiVersion": "v1",\n "kind": "Service"\n "metadata": {}}\n');
    const problems = await problemsOf([dir.path]);
    assert.equal(problems.length, 2);
    assert.match(
      problems[0]!,
      new RegExp(`^cannot parse ${bad1.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(document 2, line \\d+, column \\d+\\): `),
    );
    assert.match(
      problems[1]!,
      new RegExp(
        `^cannot parse ${bad2.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(document 1, line 3, column 2\\): Missing , between flow map items$`,
      ),
    );
  });

  it('survives a symlink loop between directories', async () => {
    dir.write('a/s.yaml', service('s'));
    mkdirSync(join(dir.path, 'b'));
    symlinkSync(join(dir.path, 'a'), join(dir.path, 'b', 'to-a'));
    symlinkSync(dir.path, join(dir.path, 'a', 'to-top'));
    const loaded = await loadManifests([dir.path], { namespace: 'default', readStdin: noStdin });
    assert.deepEqual(
      loaded.snapshot.services?.map((s) => s.metadata?.name),
      ['s'],
    );
  });

  it('refuses input larger than the bound', async () => {
    const huge = Readable.from(
      (function* () {
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        for (let i = 0; i <= MAX_SOURCE_BYTES / chunk.length; i++) yield chunk;
      })(),
    );
    const problems = await problemsOf(['-'], stdinReader(huge));
    assert.match(problems[0]!, /^cannot read <stdin>: too large/);
  });

  it('stops waiting for stdin when aborted', async () => {
    const abort = new AbortController();
    const never = new Readable({ read() {} });
    setTimeout(() => abort.abort(), 20);
    assert.deepEqual(await problemsOf(['-'], stdinReader(never, abort.signal)), ['cannot read <stdin>: interrupted']);
  });
});
