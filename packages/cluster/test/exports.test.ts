// The package's public surface, name by name: an export added or removed shows up here
// and has to be a decision (and a README change), never an accident.
import assert from 'node:assert/strict';
import * as api from '../src/index.js';

const EXPORTS = [
  'ApiError',
  'ClusterAccessError',
  'ElectedStatusWriter',
  'KubeConfigError',
  'LEADER_ELECTION_DEFAULTS',
  'LeaderElector',
  'SERVICE_ACCOUNT_DIR',
  'StatusWriter',
  'collectionPath',
  'contextNamespace',
  'createController',
  'createDefaultTranslate',
  'createKubeApi',
  'kubeApiOf',
  'listClusterSnapshot',
  'loadKubeConfig',
  'objectPath',
  'readRecord',
  'resourceName',
  'systemClock',
  'watchCluster',
];

describe('public exports', () => {
  it('are exactly the documented ones', () => {
    assert.deepEqual(Object.keys(api).sort(), EXPORTS);
  });
});
