// The package's public surface, name by name: an export added or removed shows up here
// and has to be a decision (and a README change), never an accident.
import assert from 'node:assert/strict';
import * as api from '../src/index.js';

const EXPORTS = [
  'ANNOTATION_PREFIX',
  'BACKEND_PROTOCOLS',
  'DEFAULT_CLASS_ANNOTATION',
  'DEFAULT_INGRESS_CONTROLLER',
  'INGRESS_API_VERSION',
  'LEGACY_ANNOTATION_PREFIX',
  'LEGACY_CLASS_ANNOTATION',
  'LEGACY_INGRESS_CONTROLLER',
  'NGINX_ANNOTATION_PREFIX',
  'UNAVAILABLE_BACKEND_STATUS',
  'catalogIngressClasses',
  'checkIngressHost',
  'compareIngressRoutes',
  'decideIngressClass',
  'descriptionsDiffer',
  'guardsDiffer',
  'ingressStatus',
  'readIngressAnnotations',
  'readNginxUpstreamAnnotations',
  'resolveIngressOptions',
  'tlsHostCovers',
  'translateIngresses',
  'translatePath',
];

describe('public exports', () => {
  it('are exactly the documented ones', () => {
    assert.deepEqual(Object.keys(api).sort(), EXPORTS);
  });
});
