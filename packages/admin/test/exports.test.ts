// The package's public surface, name by name: an export added or removed shows up here
// and has to be a decision (and a README change), never an accident.
import assert from 'node:assert/strict';
import * as api from '../src/index.js';

const EXPORTS = [
  'AdminBindError',
  'AdminServer',
  'DEFAULT_ADMIN_HOST',
  'DEFAULT_MAX_BODY_BYTES',
  'DEFAULT_REDACTED_HEADERS',
  'DEFAULT_REQUEST_LOG_CAPACITY',
  'ENDPOINT_STATES',
  'ERROR_HEADER',
  'LOG_REDACT_PATHS',
  'REDACTED_KEY',
  'REDACTED_VALUE',
  'RequestLog',
  'assertAdminBind',
  'attributeProxyEvents',
  'certificateView',
  'createAdminServer',
  'createEventStream',
  'createLogger',
  'createMetrics',
  'diagnosticsView',
  'endpointState',
  'endpointsView',
  'instrumentHandler',
  'isLoopbackHost',
  'parseAdminAddress',
  'recordProxyMetrics',
  'recordUpgrades',
  'redactHeaders',
  'redactPrivateKeys',
  'redactedHeaderSet',
  'requestSummary',
  'scopedConditions',
  'scrubPrivateKeys',
  'startAdmin',
  'statusMatcher',
  'statusView',
  'upstreamsView',
];

describe('public exports', () => {
  it('are exactly the documented ones', () => {
    assert.deepEqual(Object.keys(api).sort(), EXPORTS);
  });
});
