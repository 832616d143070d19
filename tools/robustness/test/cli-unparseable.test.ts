// Input that cannot be parsed, through the real binary: exit 2, nothing on stdout, and
// stderr naming the file, the document and a line inside that document (a byte offset
// for content that is not text at all); never a stack trace, never a hang.
import assert from 'node:assert/strict';
import { makeTempDir, runKupstream, STACK_TRACE, type CliRun, type TempDir } from './support/cli.js';

interface Case {
  text: string | Buffer;
  /** Expected position: the document and the inclusive line range it spans in the file. */
  at: { document: number; lines: [number, number] } | 'offset';
  file?: string;
}

const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: fine\n';

const CASES: Record<string, Case> = {
  'an unclosed flow sequence in the second document': {
    text: `${SERVICE}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: [a\n`,
    at: { document: 2, lines: [6, 10] },
  },
  'a tab used for indentation': { text: 'metadata:\n\tname: x\n', at: { document: 1, lines: [1, 3] } },
  'an unterminated quoted string in the third document': {
    text: `${SERVICE}---\n${SERVICE}---\napiVersion: "v1\nkind: Service\n`,
    at: { document: 3, lines: [11, 13] },
  },
  'invalid JSON': { text: '{"apiVersion": "v1", "kind": "Service",, }', at: { document: 1, lines: [1, 1] }, file: 'input.json' },
  'a duplicate key': { text: `${SERVICE}  name: again\n`, at: { document: 1, lines: [1, 6] } },
  'an alias to no anchor': { text: `${SERVICE}  labels: *nowhere\n`, at: { document: 1, lines: [1, 6] } },
  'an alias bomb': {
    text: 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n',
    at: { document: 1, lines: [1, 6] },
  },
  'a nested compact mapping': { text: `${SERVICE}---\n: : :\n  - ]\n`, at: { document: 2, lines: [6, 8] } },
  'a gzip file': { text: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0x4c]), at: 'offset' },
  'Latin-1 text': {
    text: Buffer.concat([Buffer.from('apiVersion: v1\nkind: Service\nmetadata: {name: caf'), Buffer.from([0xe9]), Buffer.from('}\n')]),
    at: 'offset',
  },
  'a PNG image': { text: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), at: 'offset' },
};

function assertPosition(stderr: string, file: string, at: Case['at']): void {
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (at === 'offset') {
    assert.match(stderr, new RegExp(`${escaped}\\b.*\\boffset \\d+`), `no byte offset for ${file}: ${stderr}`);
    return;
  }
  const match = new RegExp(`${escaped} \\(document (\\d+), line (\\d+)`).exec(stderr);
  assert.ok(match, `stderr does not name ${file} with its document and line: ${stderr}`);
  assert.equal(Number(match[1]), at.document, `wrong document: ${stderr}`);
  const line = Number(match[2]);
  assert.ok(
    line >= at.lines[0] && line <= at.lines[1],
    `line ${line} is outside document ${at.document} (lines ${at.lines.join('-')}): ${stderr}`,
  );
}

describe('CLI: unparseable input', () => {
  let dir: TempDir;
  before(() => {
    dir = makeTempDir();
  });
  after(() => dir.remove());

  // One run over a directory holding every case and a good file: the CLI reports every
  // problem of its input at once, so each case is checked by its own line of stderr.
  describe('a directory of broken files', () => {
    let run: CliRun;
    const paths = new Map<string, string>();
    let good: string;
    before(async () => {
      good = dir.write('corpus/00-good.yaml', SERVICE);
      Object.entries(CASES).forEach(([name, { text, file = 'input.yaml' }], i) =>
        paths.set(name, dir.write(`corpus/${String(i + 1).padStart(2, '0')}-${file}`, text)),
      );
      run = await runKupstream(['translate', '-f', `${dir.path}/corpus`], { timeoutMs: 60_000 });
    });

    it('exits 2 with nothing on stdout, no stack trace, and does not blame the good file', () => {
      assert.equal(run.timedOut, false, 'the CLI hung');
      assert.equal(run.code, 2, `exit ${run.code}; stderr: ${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.doesNotMatch(run.stderr, STACK_TRACE);
      assert.ok(!run.stderr.includes(good), `the good file is blamed: ${run.stderr}`);
    });

    for (const [name, { at }] of Object.entries(CASES)) {
      it(`refuses ${name}, naming the file and the position`, () => assertPosition(run.stderr, paths.get(name)!, at));
    }
  });

  it('refuses a single broken file with exit 2', async () => {
    const path = dir.write('single.yaml', CASES['an unclosed flow sequence in the second document']!.text);
    const run = await runKupstream(['translate', '-f', path]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    assertPosition(run.stderr, path, CASES['an unclosed flow sequence in the second document']!.at);
    assert.doesNotMatch(run.stderr, STACK_TRACE);
  });

  it('names <stdin> and the position for a syntax error read from standard input', async () => {
    const run = await runKupstream(['translate', '-f', '-'], { stdin: `${SERVICE}---\nkind: [\n` });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    assertPosition(run.stderr, '<stdin>', { document: 2, lines: [6, 7] });
  });

  it('refuses a file that does not exist with exit 2, naming it', async () => {
    const missing = `${dir.path}/nowhere.yaml`;
    const run = await runKupstream(['translate', '-f', missing]);
    assert.equal(run.code, 2, run.stderr);
    assert.ok(run.stderr.includes(missing), run.stderr);
    assert.doesNotMatch(run.stderr, STACK_TRACE);
  });
});
