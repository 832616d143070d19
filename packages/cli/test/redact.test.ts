import assert from 'node:assert/strict';
import { createSeedPki } from '@kupstream/test-pki';
import { createLogger } from '../src/log/log.js';
import { REDACTED_TEXT, redactKeyMaterial } from '../src/log/redact.js';
import { memoryIo } from './helpers/memory-io.js';

describe('redact: key material never reaches stderr', () => {
  it('removes a PEM private key block and base64 runs, keeps ordinary text', async () => {
    const { client } = await createSeedPki();
    const secretValue = Buffer.from(client.keyPem).toString('base64');
    const text = `before ${client.keyPem.trimEnd()} middle ${secretValue} after: file dir/s.yaml line 3, sha 9F:3A:01`;
    const redacted = redactKeyMaterial(text);
    assert.ok(!redacted.includes('PRIVATE KEY'));
    for (const line of client.keyPem.split('\n').filter((l) => l && !l.startsWith('-----'))) assert.ok(!redacted.includes(line));
    assert.ok(!redacted.includes(secretValue.slice(0, 60)));
    assert.equal(redacted, `before ${REDACTED_TEXT} middle ${REDACTED_TEXT} after: file dir/s.yaml line 3, sha 9F:3A:01`);
  });

  it('the logger prefixes each line and redacts it', async () => {
    const { client } = await createSeedPki();
    const io = memoryIo();
    createLogger(io.stderr).line(`one\ntwo ${client.keyPem}`);
    assert.equal(io.stderrText(), `kupstream: one\nkupstream: two ${REDACTED_TEXT}\n`);
  });
});
