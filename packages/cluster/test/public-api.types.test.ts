// Type tests of the public API, checked by tsc (`tsc -p tsconfig.json` runs before mocha):
// a change to these signatures fails the build of the tests, not a user's build later.
import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterSnapshot, SnapshotKey, SnapshotObject, TranslationResult } from '@kupstream/core';
import type { Gateway, HTTPRoute } from '@kupstream/gateway-api-types';
import type { ChangeInfo, Controller, ControllerOptions, KubeApi, StatusWriteMode } from '../src/index.js';
import { type createController } from '../src/index.js';

/** `true` only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(_proof?: T): void => undefined;

// createController takes the options object and gives a Controller.
expectType<Equal<Parameters<typeof createController>, [options: ControllerOptions]>>();
expectType<Equal<ReturnType<typeof createController>, Controller>>();
// The cluster is a KubeConfig or a KubeApi; translate maps a snapshot to a result.
expectType<Equal<ControllerOptions['kubeConfig'], KubeConfig | KubeApi>>();
expectType<Equal<NonNullable<ControllerOptions['translate']>, (snapshot: ClusterSnapshot) => TranslationResult>>();
expectType<Equal<Parameters<ControllerOptions['onResult']>, [result: TranslationResult, info: ChangeInfo]>>();
// writeStatus: off, on, or with a Lease.
expectType<false extends StatusWriteMode ? true : false>();
expectType<true extends StatusWriteMode ? true : false>();
expectType<{ lease: { namespace: string } } extends StatusWriteMode ? true : false>();
expectType<Equal<Controller['synced'], Promise<void>>>();
// The snapshot's lists come from core's resource table, with their object types.
expectType<'gateways' extends SnapshotKey ? true : false>();
expectType<Equal<SnapshotObject<'gateways'>, Gateway>>();
expectType<Equal<ClusterSnapshot['httpRoutes'], readonly HTTPRoute[] | undefined>>();

describe('public API types', () => {
  it('are checked by tsc before the tests run', () => undefined);
});
