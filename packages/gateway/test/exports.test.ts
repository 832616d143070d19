// The package's public surface, name by name: an export added or removed shows up here
// and has to be a decision (and a README change), never an accident.
import assert from 'node:assert/strict';
import * as api from '../src/index.js';

const EXPORTS = [
  'BackendTlsOption',
  'ConditionType',
  'DEFAULT_GATEWAY_CONTROLLER_NAME',
  'GATEWAY_API_VERSION',
  'GATEWAY_GROUP',
  'OPTION_DOMAIN',
  'Reason',
  'SUPPORTED_FEATURES',
  'TLS_OPTIONS_CONDITION',
  'backendTlsLookup',
  'createGatewayTranslator',
  'hostnameCovers',
  'intersectHostnames',
  'isValidHostname',
  'readBackendTlsOptions',
  'translateGatewayApi',
];

describe('public exports', () => {
  it('are exactly the documented ones', () => {
    assert.deepEqual(Object.keys(api).sort(), EXPORTS);
  });
});
