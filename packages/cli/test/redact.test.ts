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

  it('keeps long request paths and object names, and still cuts every line of generated keys', async () => {
    const path = '/api/v1/namespaces/default/configmaps/a-very-long-configmap-name-for-the-example/status/more/segments/here';
    const run = 'gatewayhttproutehttproutehttproutehttproutehttproutehttproutehttproute0123456789';
    const logged = `GET ${path} ${run}`;
    assert.equal(redactKeyMaterial(logged), logged);
    for (let i = 0; i < 3; i++) {
      const { client, server } = await createSeedPki();
      for (const pem of [client.keyPem, server.keyPem]) {
        const lines = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
        for (const line of lines.filter((l) => l.length >= 60)) assert.equal(redactKeyMaterial(`x ${line} y`), `x ${REDACTED_TEXT} y`);
        const secretValue = Buffer.from(pem).toString('base64');
        assert.ok(!redactKeyMaterial(secretValue).includes(secretValue.slice(0, 60)));
      }
    }
  });

  it('the text logger drops control characters (no forged lines, no terminal escapes) but keeps tabs', () => {
    const io = memoryIo();
    createLogger(io.stderr).line('name \u001b[31mred\u001b[0m\r\u0007 and\ttab');
    assert.equal(io.stderrText(), 'kupstream: name [31mred[0m and\ttab\n');
  });
});
