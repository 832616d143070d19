// A translator that a host keeps between calls (a controller re-translating on every watch
// event). Results are byte-identical to `translateGatewayApi`; what is reused is work whose
// inputs have not changed:
// - certificate inspections, by SHA-256 of the material (parsing dominates a translation);
// - the lookup indexes, while the non-route objects are the same objects;
// - the frame (GatewayClasses, Gateways, BackendTLSPolicies as evaluated), while the non-route
//   objects and the translation time are unchanged;
// - each HTTPRoute's record (attachment, rules, backends, upstreams, diagnostics), keyed by
//   the route object and its resourceVersion, while everything routes read is unchanged:
//   every non-route object (identity and resourceVersion) and the Gateways' resolved state
//   (which also depends on the clock, through certificate validity);
// - with a kept frame, what the records add up to (route-aggregate.ts) and the endpoints
//   (endpoints.ts): a changed route's old record is taken out and its new one put in, and
//   only the endpoints it touches are rebuilt;
// - each route's status, while its record and the translation time are unchanged, and each
//   Gateway's and policy's status while its attached routes, conflicts and ancestors are.
// Objects are treated as immutable, as an informer cache hands them out: an object changed in
// place must get a new resourceVersion (as the API server gives it). Results share unchanged
// parts with earlier results: treat them as read-only.
import { CredentialStore, type ClusterSnapshot, type ResourceStatus, type TranslationResult } from '@kupstream/core';
import { CertificateCache } from '@kupstream/core/building-blocks';
import type { SnapshotIndexes } from '../context.js';
import type { RouteRecord } from '../http-routes.js';
import { resolveGatewayOptions, type GatewayTranslateOptions } from '../options.js';
import { runTranslation, type Frame, type RouteState, type StatusOutcome, type TranslationReuse } from '../translate.js';
import { resourceVersionOf, sameVersions, versionsOf, type ObjectVersions } from './object-versions.js';
import { positions, reorder, type KeptOrder } from './route-order.js';
import { stampedAt } from './status-time.js';

export interface GatewayTranslator {
  /** Translates a snapshot; the same output as `translateGatewayApi(snapshot, options)` (options as they were at creation; `now()` is called on every translation). */
  translate(snapshot: ClusterSnapshot): TranslationResult;
}

interface RouteEntry {
  generation: number;
  resourceVersion: string | undefined;
  record: RouteRecord;
  status?: ResourceStatus;
  statusTime?: number;
  /** The status holds no time of its own (every condition kept the object's transition time): valid at any time. */
  timeless?: boolean;
}

export function createGatewayTranslator(options: GatewayTranslateOptions = {}): GatewayTranslator {
  // Read once: kept work depends on these options, so later changes to the object must not apply.
  const fixed: GatewayTranslateOptions = { ...options };
  const certificates = new CertificateCache();
  // Keyed by the route objects themselves: entries go with the routes the host drops.
  const routes = new WeakMap<object, RouteEntry>();
  let objects: ObjectVersions | undefined;
  let kept: { frame: Frame; indexes: SnapshotIndexes; time: number; signature: string; state?: RouteState } | undefined;
  let order: KeptOrder | undefined;
  // Statuses of Gateways and policies, by the frame's objects: they go with the frame.
  let statuses = new WeakMap<object, { signature: string; outcome: StatusOutcome; time: number; timeless: boolean }>();
  // Bumped whenever anything routes read may have changed: older route records are stale.
  let generation = 0;

  return {
    translate(snapshot) {
      const resolved = resolveGatewayOptions(fixed);
      const time = resolved.now.getTime();
      const reuse: TranslationReuse = {
        // Each result gets its own store: a host may hand it to an agent, which must not share a kept one.
        credentials: (filled) => new CredentialStore().absorb(filled),
        frame(input, build) {
          const next = versionsOf(input);
          const objectsChanged = objects === undefined || !sameVersions(objects, next);
          objects = next;
          if (!objectsChanged && kept && kept.time === time) return kept.frame;
          // Unchanged objects at another time: the indexes hold, the certificates' validity may not.
          const frame = build(objectsChanged ? undefined : kept?.indexes);
          const signature = signatureOf(frame);
          if (!objectsChanged && kept && signature === kept.signature) {
            // The same evaluation at another time: the kept Gateways and policies (which records,
            // aggregates and endpoints point at) stand for this time's equal ones; the rest
            // (time, credentials, class statuses, diagnostics) is this time's.
            const { ours, existing, policies, lookup } = kept.frame;
            kept = { ...kept, frame: { ...frame, ours, existing, policies, lookup }, time };
            return kept.frame;
          }
          generation++;
          kept = { frame, indexes: frame.indexes, time, signature };
          statuses = new WeakMap();
          return frame;
        },
        routeState(frame, create) {
          if (kept?.frame !== frame) return create();
          return (kept.state ??= create());
        },
        routeOrder(list, sort) {
          const reordered = order && Array.isArray(list) ? reorder(order, list, resolved.defaultNamespace) : undefined;
          const sorted = reordered ?? sort();
          order = Array.isArray(list) ? { list: [...list], sorted, position: reordered ? order!.position : positions(sorted) } : undefined;
          return sorted;
        },
        route(route, translate) {
          const resourceVersion = resourceVersionOf(route);
          const entry = routes.get(route);
          if (entry && entry.generation === generation && entry.resourceVersion === resourceVersion) return entry.record;
          const next: RouteEntry = { generation, resourceVersion, record: translate() };
          routes.set(route, next);
          return next.record;
        },
        routeStatus(route, stamp) {
          const entry = routes.get(route);
          if (!entry) return stamp();
          if (entry.status === undefined || (entry.statusTime !== time && !entry.timeless)) {
            entry.status = stamp();
            entry.statusTime = time;
            entry.timeless = !stampedAt(entry.status, resolved.transitionTime);
          }
          return entry.status;
        },
        status(owner, signature, compute) {
          const memo = statuses.get(owner);
          const text = signature();
          if (memo?.signature === text && (memo.time === time || memo.timeless)) return memo.outcome;
          const outcome = compute();
          statuses.set(owner, { signature: text, outcome, time, timeless: !stampedAt(outcome.status, resolved.transitionTime) });
          return outcome;
        },
      };
      const result = runTranslation(snapshot, resolved, certificates, reuse);
      certificates.sweep();
      return result;
    },
  };
}

/**
 * What routes read of the frame, as text: the Gateways' resolved state and the policies'
 * verdicts. Both change with the clock when a certificate expires.
 */
function signatureOf(frame: Frame): string {
  const parts = [[...frame.existing].join(' ')];
  for (const [key, gateway] of frame.ours) parts.push(JSON.stringify([key, gateway.invalid, gateway.clientCertificate, gateway.listeners]));
  for (const p of frame.policies.policies) parts.push(JSON.stringify([p.ref, p.verification, p.hostname, p.accepted, p.resolvedRefs]));
  return parts.join('\n');
}
