import assert from 'node:assert/strict';
import { parseManifestText } from '../src/manifests/yaml-documents.js';

describe('yaml-documents: parseManifestText', () => {
  it('reads every document of a multi-document stream with its index and first line', () => {
    const { documents, problems } = parseManifestText(
      'm.yaml',
      '# leading comment\napiVersion: v1\nkind: Service\n---\n---\napiVersion: v1\nkind: Secret\n',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(
      documents.map((d) => [d.index, d.line, d.value]),
      [
        [1, 2, { apiVersion: 'v1', kind: 'Service' }],
        [2, 4, null],
        [3, 6, { apiVersion: 'v1', kind: 'Secret' }],
      ],
    );
  });

  it('reads JSON, tab-indented too', () => {
    const { documents, problems } = parseManifestText('m.json', '{\n\t"apiVersion": "v1",\n\t"kind": "List",\n\t"items": []\n}\n');
    assert.deepEqual(problems, []);
    assert.deepEqual(documents[0]?.value, { apiVersion: 'v1', kind: 'List', items: [] });
  });

  it('names file, document, line and column of a syntax error, and keeps the other documents', () => {
    const { documents, problems } = parseManifestText(
      'dir/bad.yaml',
      'kind: A\n---\nkind: B\nmetadata:\n  name: x\n   bad: indent\n---\nkind: C\n',
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^cannot parse dir\/bad\.yaml \(document 2, line 5, column 9\): Nested mappings/);
    assert.deepEqual(
      documents.map((d) => d.index),
      [1, 3],
    );
  });

  it('reports a duplicate key at its position', () => {
    const { problems } = parseManifestText('dup.yaml', 'apiVersion: v1\nkind: Service\nkind: Secret\n');
    assert.deepEqual(problems, ['cannot parse dup.yaml (document 1, line 3, column 1): Map keys must be unique']);
  });

  it('reports an unterminated flow sequence', () => {
    const { problems } = parseManifestText('f.yaml', 'a: 1\nb: [\n');
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^cannot parse f\.yaml \(document 1, line 3, column 1\): Flow sequence/);
  });

  it('reports an unresolved alias with the document line', () => {
    const { problems } = parseManifestText('a.yaml', 'kind: A\n---\na: &x [1]\nb: *y\n');
    assert.deepEqual(problems, ['cannot parse a.yaml (document 2, line 3): Unresolved alias (the anchor must be set before the alias): y']);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    const { documents, problems } = parseManifestText('bomb.yaml', levels.join('\n') + '\n');
    assert.equal(documents.length, 0);
    assert.match(problems[0]!, /^cannot parse bomb\.yaml \(document 1, line 1\): Excessive alias count/);
  });

  it('locates nodes inside a document (List items)', () => {
    const { documents } = parseManifestText('l.yaml', 'apiVersion: v1\nkind: List\nitems:\n- kind: A\n- kind: B\n  x: 1\n- kind: C\n');
    assert.equal(documents[0]?.lineOf(['items', 2]), 7);
    assert.equal(documents[0]?.lineOf(['items', 9]), undefined);
  });

  it('never repeats key material from the text in a message', () => {
    const keyLine = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4';
    const { problems } = parseManifestText('s.yaml', `data:\n  tls.key: ${keyLine}\n  tls.key: ${keyLine}\n`);
    assert.equal(problems.length, 1);
    assert.ok(!problems[0]!.includes(keyLine.slice(0, 40)));
  });
});
