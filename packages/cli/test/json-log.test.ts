import assert from 'node:assert/strict';
import type { TranslationResult } from '@kupstream/core';
import { createJsonLogger } from '../src/log/json-log.js';
import { reportDiagnostics } from '../src/serve/file-model-source.js';
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

  it('logs each diagnostic at its own level, without control characters from names', () => {
    const io = memoryIo();
    const resource = { kind: 'HTTPRoute', namespace: 'default', name: 'r\u001b[2J\nfake line' };
    reportDiagnostics(createJsonLogger(io.stderr), {
      diagnostics: [
        { severity: 'error', code: 'RouteFilterInvalid', resource, message: 'bad', field: 'spec.rules[0]' },
        { severity: 'warning', code: 'UpstreamNotVerified', resource, message: 'not verified' },
        { severity: 'info', code: 'Note', resource, message: 'fine' },
      ],
    } as unknown as TranslationResult);
    const lines = io
      .stderrText()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l.level, l.code]),
      [
        ['info', undefined],
        ['error', 'RouteFilterInvalid'],
        ['warn', 'UpstreamNotVerified'],
      ],
    );
    assert.equal(lines[1]!.msg, '  error RouteFilterInvalid HTTPRoute default/r[2Jfake line spec.rules[0]: bad');
  });
});
