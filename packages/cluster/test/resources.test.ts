// What the cluster host says about a kind the API server does not serve.
import assert from 'node:assert/strict';
import { RESOURCES } from '@kupstream/core';
import { notServedHint } from '../src/resources.js';

describe('resources: a kind the server does not serve', () => {
  it('asks for the CRD of custom resources, and for the API of built-in groups', () => {
    const hint = (key: string) => notServedHint(RESOURCES.find((r) => r.key === key)!);
    assert.equal(hint('gateways'), 'is the CRD installed?');
    assert.equal(hint('agentEndpoints'), 'is the CRD installed?');
    assert.equal(hint('clusterTrustBundles'), 'is the API enabled on this Kubernetes version?');
    assert.equal(hint('endpointSlices'), 'is the API enabled on this Kubernetes version?');
    assert.equal(hint('services'), 'is the API enabled on this Kubernetes version?');
    assert.equal(notServedHint({ group: 'gateway.networking.x-k8s.io' }), 'is the CRD installed?');
  });
});
