import assert from 'node:assert/strict';
import { createLogger } from '../src/log/log.js';
import { UPSTREAM_ERROR_LOG_INTERVAL_MS, upstreamErrorLogger } from '../src/serve/upstream-error-log.js';
import { memoryIo } from './helpers/memory-io.js';

describe('upstream-error-log', () => {
  it('reports one line per upstream and code per interval, then the count of the rest', () => {
    let clock = 1_000_000;
    const io = memoryIo();
    const report = upstreamErrorLogger(createLogger(io.stderr), () => clock);
    const failure = (upstream: string, code: string) => ({
      upstream,
      endpoint: 'default/a',
      method: 'GET',
      path: '/x',
      error: { code, message: 'connect ECONNREFUSED 127.0.0.1:1' },
    });
    report(failure('u1', 'connection_refused'));
    report(failure('u1', 'connection_refused'));
    report(failure('u1', 'connection_refused'));
    report(failure('u2', 'connection_refused'));
    report(failure('u1', 'timeout'));
    clock += UPSTREAM_ERROR_LOG_INTERVAL_MS;
    report(failure('u1', 'connection_refused'));
    assert.deepEqual(io.stderrText().trimEnd().split('\n'), [
      'kupstream: upstream u1 failed (connection_refused) for GET /x (endpoint default/a): connect ECONNREFUSED 127.0.0.1:1',
      'kupstream: upstream u2 failed (connection_refused) for GET /x (endpoint default/a): connect ECONNREFUSED 127.0.0.1:1',
      'kupstream: upstream u1 failed (timeout) for GET /x (endpoint default/a): connect ECONNREFUSED 127.0.0.1:1',
      'kupstream: upstream u1 failed (connection_refused) for GET /x (endpoint default/a): connect ECONNREFUSED 127.0.0.1:1 (2 more like it since the last report)',
    ]);
  });
});
