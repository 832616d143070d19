// GRPCRoute method matches as path matches on `/<service>/<method>`: what each form selects,
// checked over generated names with the same anchored RegExp the agent compiles.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Match } from '@kupstream/core';
import { readGrpcMatch } from '../src/grpc-routes.js';

const ident = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,11}$/);
const service = fc.array(ident, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));

/** Whether `match` selects the request path, as the agent's router decides for path matches. */
function selects(match: Match, path: string): boolean {
  const p = match.path!;
  if (p.type === 'Exact') return path === p.value;
  if (p.type === 'PathPrefix') return p.value === '/' || path === p.value || path.startsWith(`${p.value}/`);
  return new RegExp(`^(?:${p.value})$`).test(path);
}

function read(method: unknown): Match {
  const outcome = readGrpcMatch({ method }, 'spec.rules[0].matches[0]');
  assert.ok(outcome.ok, JSON.stringify(outcome));
  return outcome.match;
}

describe('GRPCRoute method matches', () => {
  it('Exact service and method select exactly that method; service only, any method of it; method only, it in any service', () => {
    fc.assert(
      fc.property(service, ident, service, ident, (svc, method, other, otherMethod) => {
        const path = `/${svc}/${method}`;
        const both = read({ service: svc, method });
        const svcOnly = read({ service: svc });
        const methodOnly = read({ method });
        assert.ok(selects(both, path) && selects(svcOnly, path) && selects(methodOnly, path));
        assert.equal(selects(both, `/${other}/${otherMethod}`), other === svc && otherMethod === method);
        assert.equal(selects(svcOnly, `/${other}/${otherMethod}`), other === svc);
        assert.equal(selects(methodOnly, `/${other}/${otherMethod}`), otherMethod === method);
        // A service whose name only starts like this one is another service.
        assert.equal(selects(svcOnly, `/${svc}x/${method}`), false);
      }),
    );
  });

  it('RegularExpression matches the service and the method as whole names', () => {
    fc.assert(
      fc.property(service, ident, ident, (svc, method, otherMethod) => {
        const escaped = svc.replace(/\./g, '\\.');
        const match = read({ type: 'RegularExpression', service: escaped, method: `${method}|${otherMethod}` });
        assert.ok(selects(match, `/${svc}/${method}`));
        assert.ok(selects(match, `/${svc}/${otherMethod}`));
        assert.equal(selects(match, `/${svc}/${method}Extra`), method === `${method}Extra` || otherMethod === `${method}Extra`);
        assert.equal(selects(match, `/x${svc}/${method}`), false);
      }),
    );
  });

  it('refuses a match naming neither service nor method, names the API refuses, and invalid expressions', () => {
    for (const method of [
      {},
      { type: 'Exact' },
      { service: 'a b' },
      { method: 'x.y' },
      { type: 'RegularExpression', method: '(' },
      { type: 'Prefix', service: 'a' },
    ]) {
      assert.equal(readGrpcMatch({ method }, 'f').ok, false, JSON.stringify(method));
    }
    assert.deepEqual(read(undefined).path, { type: 'PathPrefix', value: '/' });
  });
});
