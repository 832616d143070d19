// The client identity headers as routing sees them: a route matching on them sees the
// listener's verdict, never the copy a client sent, and the upstream gets the verdict too.
import assert from 'node:assert/strict';
import type http from 'node:http';
import fc from 'fast-check';
import { CLIENT_IDENTITY_HEADERS, type ClientIdentity } from '../src/listeners/client-identity.js';
import { ANY_LISTENER, type ListenerContext } from '../src/listeners/listener-context.js';
import { routeRequest, type RoutingOutcome } from '../src/request-routing.js';
import { compileRouteTable } from '../src/router.js';
import { endpoint, model, route } from './support/proxy-harness.js';

const table = compileRouteTable(
  model(
    [
      endpoint('https://app.example', [
        route('verified-only', [{ upstream: 'u' }], {
          matches: [{ headers: [{ name: CLIENT_IDENTITY_HEADERS.verify, type: 'Exact', value: 'SUCCESS' }] }],
        }),
        route('everyone', [{ upstream: 'u' }]),
      ]),
    ],
    [],
  ),
);

function request(headers: Record<string, string>): http.IncomingMessage {
  return { url: '/', method: 'GET', httpVersionMajor: 1, headers: { host: 'app.example', ...headers } } as unknown as http.IncomingMessage;
}

function listenerWith(identity: ClientIdentity | undefined): ListenerContext {
  return { ...ANY_LISTENER, clientIdentity: () => identity };
}

function routed(outcome: RoutingOutcome): { route: string | undefined; forwarded: http.OutgoingHttpHeaders } {
  assert.ok(!('refusal' in outcome), 'routed');
  return { route: outcome.ctx.route, forwarded: outcome.plan.headers };
}

describe('client identity headers and routing', () => {
  const forged = { [CLIENT_IDENTITY_HEADERS.verify]: 'SUCCESS', [CLIENT_IDENTITY_HEADERS.subject]: 'CN=mallory' };

  it('a client copy of the verdict never satisfies a route match, on a listener without client certificates', () => {
    const { route: name, forwarded } = routed(routeRequest(table, request(forged), false, 'hop', ANY_LISTENER));
    assert.equal(name, 'everyone');
    assert.equal(forwarded[CLIENT_IDENTITY_HEADERS.verify], undefined);
    assert.equal(forwarded[CLIENT_IDENTITY_HEADERS.subject], undefined);
  });

  it('nor where the listener let an unverified client in (AllowInsecureFallback)', () => {
    const failed: ClientIdentity = { requested: true, verify: 'FAILED:UNTRUSTED_ISSUER' };
    const { route: name, forwarded } = routed(routeRequest(table, request(forged), false, 'hop', listenerWith(failed)));
    assert.equal(name, 'everyone');
    assert.equal(forwarded[CLIENT_IDENTITY_HEADERS.verify], 'FAILED:UNTRUSTED_ISSUER');
    assert.equal(forwarded[CLIENT_IDENTITY_HEADERS.subject], undefined);
  });

  it("the listener's verified identity does satisfy it, and is what the upstream gets", () => {
    const verified: ClientIdentity = {
      requested: true,
      verify: 'SUCCESS',
      subject: 'CN=alice',
      issuer: 'CN=Clients',
      sha256: 'AB:CD',
      notAfter: '2030-01-01T00:00:00.000Z',
    };
    const { route: name, forwarded } = routed(
      routeRequest(table, request({ [CLIENT_IDENTITY_HEADERS.subject]: 'CN=mallory' }), false, 'hop', listenerWith(verified)),
    );
    assert.equal(name, 'verified-only');
    assert.equal(forwarded[CLIENT_IDENTITY_HEADERS.subject], 'CN=alice');
  });

  it('whatever identity headers a client sends, routing and forwarding see only the listener verdict (property)', () => {
    const names = Object.values(CLIENT_IDENTITY_HEADERS);
    const identities = fc.option(
      fc.record({ requested: fc.constant(true), verify: fc.constantFrom('SUCCESS' as const, 'NONE' as const, 'FAILED:X' as const) }),
      { nil: undefined },
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), fc.string({ maxLength: 20 })), identities, (sent, identity) => {
        const { route: name, forwarded } = routed(routeRequest(table, request(sent), false, 'hop', listenerWith(identity)));
        assert.equal(name, identity?.verify === 'SUCCESS' ? 'verified-only' : 'everyone');
        for (const header of names) if (header !== CLIENT_IDENTITY_HEADERS.verify) assert.equal(forwarded[header], undefined);
        assert.equal(forwarded[CLIENT_IDENTITY_HEADERS.verify], identity?.verify);
      }),
    );
  });
});
