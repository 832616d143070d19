// The endpoint registry beside the model: an upstream the host's `resolve` maps ignores its
// EndpointSlices (an explicit override beats discovery), and follows the override as it comes and goes.
import assert from 'node:assert/strict';
import type { Upstream } from '@kupstream/core';
import { EndpointRegistry } from '../src/endpoints/endpoint-registry.js';
import { DEFAULT_TRAFFIC } from '../src/timeouts/defaults.js';

const service = (name: string): Upstream => ({
  name: `default/${name}:443`,
  url: `http://${name}.default:443`,
  protocol: 'http1',
  service: { namespace: 'default', name, port: 443 },
});
const slice = [{ address: '10.0.0.7', port: 8080, ready: true, serving: true, terminating: false }];

describe('EndpointRegistry', () => {
  it('ignores the EndpointSlices of an upstream the host resolves, and uses them again once it no longer does', () => {
    let resolving = new Set(['a.default']);
    const live = new Map<string, ReadonlySet<string> | undefined>();
    const registry = new EndpointRegistry({
      defaults: { ...DEFAULT_TRAFFIC },
      emit: () => undefined,
      onLive: (upstream, keys) => live.set(upstream, keys),
      resolved: (upstream) => resolving.has(new URL(upstream.url).hostname),
    });
    const [a, b] = [service('a'), service('b')];
    registry.sync([a, b]);
    registry.setEndpoints({ [a.name]: slice, [b.name]: slice });
    assert.equal(registry.get(a.name)?.liveKeys(), undefined, 'resolved: dialed where resolve says');
    assert.equal(registry.get(b.name)?.liveKeys()?.size, 1);
    resolving = new Set();
    registry.sync([a, b]);
    assert.equal(registry.get(a.name)?.liveKeys()?.size, 1, 'the slices apply once the override is gone');
    registry.close();
  });
});
