// Type tests of the public API, checked by tsc (`tsc -p tsconfig.json` runs before mocha):
// a change to these signatures fails the build of the tests, not a user's build later.
// The admin package sees the agent's proxy only through structural types (it does not
// depend on @kupstream/agent); the agent is a dev dependency here so that these tests
// prove the real Proxy, its events and its stats still fit those shapes.
import type { RequestListener } from 'node:http';
import type { HandshakeVerdict, Proxy, ProxyStats, ResponseEvent, UpstreamErrorEvent } from '@kupstream/agent';
import type { CredentialStore, TranslationModel } from '@kupstream/core';
import type {
  AdminRuntime,
  AdminRuntimeOptions,
  AdminServer,
  AdminServerOptions,
  createAdminServer,
  HandshakeFacts,
  PoolStats,
  ProxyEventSource,
  ProxyResponseEvent,
  ProxyUpstreamErrorEvent,
  startAdmin,
  UpgradeListener,
} from '../src/index.js';

/** `true` only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(_proof?: T): void => undefined;
/** The keys a caller must set. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

// startAdmin: an address and the proxy's events in, a running admin server out.
expectType<Equal<Parameters<typeof startAdmin>, [options: AdminRuntimeOptions]>>();
expectType<Equal<ReturnType<typeof startAdmin>, Promise<AdminRuntime>>>();
expectType<Equal<RequiredKeys<AdminRuntimeOptions>, 'address' | 'proxy'>>();
expectType<Equal<AdminRuntimeOptions['proxy'], ProxyEventSource>>();
expectType<Equal<AdminRuntimeOptions['pools'], (() => readonly PoolStats[]) | undefined>>();

// The runtime: the host routes its traffic through instrument() and reports each model.
expectType<Equal<AdminRuntime['instrument'], (handler: RequestListener) => RequestListener>>();
expectType<Equal<AdminRuntime['instrumentUpgrade'], (handler: UpgradeListener) => UpgradeListener>>();
expectType<
  Equal<AdminRuntime['setModel'], (model: TranslationModel, options?: { translationMs?: number; credentials?: CredentialStore }) => void>
>();
expectType<Equal<AdminRuntime['setReady'], (ready: boolean) => void>>();
expectType<Equal<AdminRuntime['setHandshakes'], (verdicts: Iterable<HandshakeFacts>) => void>>();
expectType<Equal<AdminRuntime['close'], () => Promise<void>>>();
expectType<Equal<AdminRuntime['server'], AdminServer>>();

// The lower-level server, for hosts that wire the pieces themselves.
expectType<Equal<Parameters<typeof createAdminServer>, [options: AdminServerOptions]>>();
expectType<Equal<ReturnType<typeof createAdminServer>, AdminServer>>();
expectType<Equal<RequiredKeys<AdminServerOptions>, 'getState' | 'requestLog' | 'metrics'>>();

// The structural proxy type: the agent's Proxy fits it, with its real events and stats.
expectType<Proxy extends ProxyEventSource ? true : false>();
expectType<ResponseEvent extends ProxyResponseEvent ? true : false>();
expectType<UpstreamErrorEvent extends ProxyUpstreamErrorEvent ? true : false>();
expectType<(() => ProxyStats['upstreams']) extends NonNullable<AdminRuntimeOptions['pools']> ? true : false>();
expectType<HandshakeVerdict extends HandshakeFacts ? true : false>();
// An Upgrade listener is one type on both sides: the proxy's handler goes through instrumentUpgrade.
expectType<Equal<UpgradeListener, Proxy['upgradeHandler']>>();
// ...and a shape that lacks the events does not fit (the structural type is not `any`).
expectType<Equal<{ on(event: 'response', listener: () => void): unknown } extends ProxyEventSource ? true : false, false>>();

describe('public API types', () => {
  it('are checked by tsc before the tests run', () => undefined);
});
