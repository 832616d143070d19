// Hostile manifest input: sizes and shapes that used to cost quadratic time or crash the
// translator (argument spreads over input-sized arrays), the worker thread that keeps the
// event loop free while a file parses, and translate stopping on the first signal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { buildSnapshot } from '@kupstream/core';
import { MANIFEST_LIMITS } from '../src/manifests/manifest-limits.js';
import { ManifestParser } from '../src/manifests/parse-off-thread.js';
import { parseManifestText, type ManifestDocument } from '../src/manifests/yaml-documents.js';
import { assertBuilt, CLI_PATH } from './helpers/cli-process.js';

const WORKER = new URL('../dist/manifest-parse-worker.js', import.meta.url);

function configMap(name: string, keys: number): string {
  const lines = [`apiVersion: v1`, `kind: ConfigMap`, `metadata: {name: ${name}, namespace: default}`, `data:`];
  for (let i = 0; i < keys; i++) lines.push(`  k${i}: v${i}`);
  return `${lines.join('\n')}\n`;
}

describe('manifest input bounds', () => {
  it('a map of 40,000 keys parses (duplicate keys are found with a Set, not by comparing every pair)', () => {
    const { documents, problems } = parseManifestText('big.yaml', configMap('big', 40_000));
    assert.deepEqual(problems, []);
    assert.equal(Object.keys((documents[0]?.value as { data: object }).data).length, 40_000);
  });

  it('still reports a duplicate key at its position, in nested maps too, and lets << merge keys repeat', () => {
    assert.deepEqual(parseManifestText('d.yaml', 'a:\n  b: 1\n  c: 2\n  b: 3\n').problems, [
      'cannot parse d.yaml (document 1, line 4, column 3): Map keys must be unique',
    ]);
    const merged = parseManifestText('m.yaml', 'x: &x {a: 1}\ny: &y {b: 2}\nz:\n  <<: *x\n  <<: *y\n');
    assert.deepEqual(merged.problems, []);
  });

  it(`refuses more than ${MANIFEST_LIMITS.documentsPerSource} documents in one file, and stops parsing there`, () => {
    const text = '---\n'.repeat(130_000);
    const { documents, problems } = parseManifestText('many.yaml', text);
    assert.deepEqual(problems, [
      `cannot parse many.yaml: more than ${MANIFEST_LIMITS.documentsPerSource} YAML documents in one file; split it`,
    ]);
    assert.equal(documents.length, MANIFEST_LIMITS.documentsPerSource);
  });

  it('buildSnapshot takes Lists of 200,000 items in two documents and 150,000 documents (no argument spread, no unshift)', () => {
    const doc = (value: unknown, index: number): ManifestDocument => ({ source: 's', index, line: 1, value, lineOf: () => undefined });
    // Each document holds as many List items as one may.
    const per = MANIFEST_LIMITS.listItemsPerDocument;
    const items = (from: number) =>
      Array.from({ length: per }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${from + i}` } }));
    const list = buildSnapshot(
      [doc({ apiVersion: 'v1', kind: 'List', items: items(0) }, 1), doc({ apiVersion: 'v1', kind: 'List', items: items(per) }, 2)],
      'default',
    );
    assert.equal(list.objectCount, 2 * per);
    const many = buildSnapshot(
      Array.from({ length: 150_000 }, (_, i) => doc(null, i + 1)),
      'default',
    );
    assert.equal(many.objectCount, 0);
  });

  describe('off the event loop', () => {
    before(() => assertBuilt());

    it('parses on a worker thread: timers keep firing while a large file parses', async () => {
      const parser = new ManifestParser(undefined, WORKER);
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      try {
        const parsed = await parser.parse('big.yaml', configMap('big', 40_000));
        assert.deepEqual(parsed.problems, []);
        assert.equal(parsed.documents.length, 1);
        assert.ok(ticks > 0, 'the event loop was blocked for the whole parse');
      } finally {
        clearInterval(timer);
        parser.close();
      }
    });

    it('keeps List item lines across the thread boundary', async () => {
      const parser = new ManifestParser(undefined, WORKER);
      try {
        const parsed = await parser.parse('l.yaml', 'kind: List\nitems:\n- a: 1\n-\n  b: 2\n');
        assert.equal(parsed.documents[0]?.lineOf(['items', 1]), 5);
      } finally {
        parser.close();
      }
    });

    it('an abort stops a parse in progress', async () => {
      const stop = new AbortController();
      const parser = new ManifestParser(stop.signal, WORKER);
      const parsing = parser.parse('big.yaml', configMap('big', 200_000));
      setImmediate(() => stop.abort());
      await assert.rejects(parsing, { name: 'ParseAborted' });
      parser.close();
    });

    it('kupstream translate stops on the first SIGTERM while a large file parses: exit 130, nothing printed', async () => {
      const text = Array.from({ length: 12 }, (_, i) => configMap(`c${i}`, 40_000)).join('---\n');
      const child = spawn(process.execPath, [CLI_PATH, 'translate', '-f', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      // Once the input is flushed into the pipe the CLI is reading it (its signal handlers are
      // installed), and parsing 8 MB takes far longer than the signal takes to arrive.
      child.stdin.end(text, () => child.kill('SIGTERM'));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 130, stderr);
      assert.equal(stdout, '');
      assert.match(stderr, /stopped by a signal/);
    });
  });
});
