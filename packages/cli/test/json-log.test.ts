import assert from 'node:assert/strict';
import { createJsonLogger } from '../src/log/json-log.js';
import { memoryIo } from './helpers/memory-io.js';

describe('json-log (--log-format json)', () => {
  it('one JSON object per line: level, ISO time, message and fields', () => {
    const io = memoryIo();
    const log = createJsonLogger(io.stderr);
    log.line('serving 1 endpoint', { endpoints: 1, skipped: undefined });
    log.warn('reload failed');
    log.error('cannot list');
    const lines = io
      .stderrText()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg]),
      [
        ['info', 'serving 1 endpoint'],
        ['warn', 'reload failed'],
        ['error', 'cannot list'],
      ],
    );
    assert.equal(lines[0]!.endpoints, 1);
    assert.ok(!('skipped' in lines[0]!));
    assert.equal(lines[0]!.component, 'kupstream');
    assert.ok(!Number.isNaN(Date.parse(String(lines[0]!.time))));
  });

  it('never writes key material: PEM blocks and long base64 runs are cut from messages', () => {
    const io = memoryIo();
    const base64 = 'QUJD'.repeat(40);
    createJsonLogger(io.stderr).warn(
      `cannot parse: -----BEGIN ${'PRIVATE'} KEY-----\nMIIEvQ\n-----END ${'PRIVATE'} KEY----- near ${base64}`,
    );
    const text = io.stderrText();
    assert.ok(!text.includes('BEGIN PRIVATE KEY') && !text.includes(base64), text);
    assert.match((JSON.parse(text) as { msg: string }).msg, /^cannot parse: \[redacted\] near \[redacted\]$/);
  });
});
