// The health checker's lifecycle as a property: over any sequence of model and EndpointSlice
// changes, exactly the ready endpoints of checked, available upstreams with a known slice are
// checked; after close() nothing is, and every timer and socket the checks made is gone
// (tracked by async_hooks from creation to destruction, unref'd timers included).
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import net from 'node:net';
import fc from 'fast-check';
import type { ServiceEndpoint, Upstream } from '@kupstream/core';
import { CredentialStore } from '@kupstream/core';
import { EndpointRegistry } from '../src/endpoints/endpoint-registry.js';
import { HealthChecker } from '../src/endpoints/health-checker.js';
import { DEFAULT_TRAFFIC } from '../src/timeouts/defaults.js';

const ADDRESSES = ['127.0.0.5', '127.0.0.6', '127.0.0.7'];
const NAMES = ['default/a:80', 'default/b:80'];

interface UpstreamChoice {
  present: boolean;
  checked: boolean;
  unavailable: boolean;
}
type Op =
  | { kind: 'model'; upstreams: UpstreamChoice[] }
  | { kind: 'endpoints'; slices: ({ address: number; ready: boolean }[] | null)[] }
  | { kind: 'run' };

const upstreamChoice = fc.record({ present: fc.boolean(), checked: fc.boolean(), unavailable: fc.boolean() });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('model' as const), upstreams: fc.tuple(upstreamChoice, upstreamChoice) }),
  fc.record({
    kind: fc.constant('endpoints' as const),
    slices: fc.tuple(
      fc.option(
        fc.uniqueArray(fc.record({ address: fc.integer({ min: 0, max: 2 }), ready: fc.boolean() }), { selector: (e) => e.address }),
        {
          nil: null,
        },
      ),
      fc.option(
        fc.uniqueArray(fc.record({ address: fc.integer({ min: 0, max: 2 }), ready: fc.boolean() }), { selector: (e) => e.address }),
        {
          nil: null,
        },
      ),
    ),
  }),
  fc.constant({ kind: 'run' as const }),
);

/** A port nobody listens on: every check is refused at once. */
async function refusedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function upstreamsOf(choices: UpstreamChoice[]): Upstream[] {
  const out: Upstream[] = [];
  choices.forEach((c, i) => {
    if (!c.present) return;
    const name = NAMES[i]!;
    out.push({
      name,
      url: `http://svc-${i}.default:80`,
      protocol: 'http1',
      service: { namespace: 'default', name: `svc-${i}`, port: 80 },
      ...(c.checked ? { traffic: { healthCheck: { type: 'http' as const, path: '/healthz', intervalMs: 2, timeoutMs: 1000 } } } : {}),
      ...(c.unavailable ? { unavailable: { code: 'BackendNotFound', reason: 'test' } } : {}),
    });
  });
  return out;
}

describe('health checker lifecycle', () => {
  it('checks exactly the ready endpoints of checked, available upstreams with a slice; close() leaves no timer or socket', async () => {
    const port = await refusedPort();
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        // Every Timeout and TCP handle made from here on, until it is destroyed.
        const live = new Map<number, string>();
        let drained: (() => void) | undefined;
        const hook = createHook({
          init(id, type) {
            if (type === 'Timeout' || type === 'TCPWRAP' || type === 'TCPCONNECTWRAP') live.set(id, type);
          },
          destroy(id) {
            if (live.delete(id) && live.size === 0) drained?.();
          },
        });
        hook.enable();
        try {
          let upstreams: Upstream[] = [];
          let slices: Record<string, ServiceEndpoint[]> = {};
          const registry = new EndpointRegistry({
            defaults: DEFAULT_TRAFFIC,
            emit: () => undefined,
            onLive: () => undefined,
            onChange: () => checker.refresh(),
          });
          const checker = new HealthChecker({ registry, credentials: new CredentialStore(), random: () => 0.5 });
          const expected = () => {
            let n = 0;
            for (const u of upstreams) {
              const list = slices[u.name];
              if (!u.traffic?.healthCheck || u.unavailable || !list) continue;
              n += list.filter((e) => e.ready && !e.terminating).length;
            }
            return n;
          };
          for (const step of ops) {
            if (step.kind === 'model') {
              upstreams = upstreamsOf(step.upstreams);
              checker.setUpstreams(upstreams);
              registry.sync(upstreams);
            } else if (step.kind === 'endpoints') {
              slices = {};
              step.slices.forEach((list, i) => {
                if (!list) return;
                slices[NAMES[i]!] = list.map((e): ServiceEndpoint => ({
                  address: ADDRESSES[e.address]!,
                  port,
                  ready: e.ready,
                  serving: e.ready,
                  terminating: false,
                }));
              });
              registry.setEndpoints(slices);
            } else {
              // Let checks run (dials refused, verdicts applied, the next ones scheduled); turns
              // of the event loop, so the test itself adds no timer to the ones tracked.
              for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
            }
            assert.equal(checker.stats().endpoints, expected());
          }
          checker.close();
          registry.close();
          assert.deepEqual(checker.stats(), { endpoints: 0, inProgress: 0 });
          // Closed: every timer cleared and every socket of an abandoned check destroyed.
          if (live.size > 0) await new Promise<void>((resolve) => (drained = resolve));
          assert.equal(live.size, 0);
        } finally {
          hook.disable();
        }
      }),
      { numRuns: 40 },
    );
  });
});
