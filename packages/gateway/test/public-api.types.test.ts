// Type tests of the public API, checked by tsc (`tsc -p tsconfig.json` runs before mocha):
// a change to these signatures fails the build of the tests, not a user's build later.
import type { ClusterSnapshot, TranslateOptions, TranslationResult } from '@kupstream/core';
import type {
  ConditionType,
  createGatewayTranslator,
  DEFAULT_GATEWAY_CONTROLLER_NAME,
  GatewayTranslateOptions,
  GatewayTranslator,
  Reason,
  ReasonName,
  translateGatewayApi,
} from '../src/index.js';

/** `true` only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(_proof?: T): void => undefined;
/** The keys a caller must set. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

// translateGatewayApi: the pure pass, a snapshot and options in, a TranslationResult out.
expectType<Equal<Parameters<typeof translateGatewayApi>, [snapshot: ClusterSnapshot, options?: GatewayTranslateOptions]>>();
expectType<Equal<ReturnType<typeof translateGatewayApi>, TranslationResult>>();

// createGatewayTranslator: the same translation kept between calls (options fixed at creation).
expectType<Equal<Parameters<typeof createGatewayTranslator>, [options?: GatewayTranslateOptions]>>();
expectType<Equal<ReturnType<typeof createGatewayTranslator>, GatewayTranslator>>();
expectType<Equal<GatewayTranslator['translate'], (snapshot: ClusterSnapshot) => TranslationResult>>();
// Both fit where a host takes any translator, e.g. the cluster controller's `translate`.
expectType<
  ReturnType<typeof createGatewayTranslator>['translate'] extends (snapshot: ClusterSnapshot) => TranslationResult ? true : false
>();

// The options: every translator's, plus the controller name and class assumption; all optional.
expectType<GatewayTranslateOptions extends TranslateOptions ? true : false>();
expectType<Equal<RequiredKeys<GatewayTranslateOptions>, never>>();
expectType<Equal<GatewayTranslateOptions['controllerName'], string | undefined>>();
expectType<Equal<GatewayTranslateOptions['assumeClassesWhenAbsent'], boolean | undefined>>();
expectType<Equal<GatewayTranslateOptions['now'], (() => Date) | undefined>>();
expectType<Equal<typeof DEFAULT_GATEWAY_CONTROLLER_NAME, 'ngrok.com/gateway-controller'>>();

// Condition types and reasons are the Gateway API's literal names, not plain strings.
expectType<Equal<(typeof ConditionType)['Accepted'], 'Accepted'>>();
expectType<Equal<(typeof Reason)['RefNotPermitted'], 'RefNotPermitted'>>();
expectType<Equal<string extends ReasonName ? true : false, false>>();
expectType<'RefNotPermitted' extends ReasonName ? true : false>();

describe('public API types', () => {
  it('are checked by tsc before the tests run', () => undefined);
});
