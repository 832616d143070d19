// deploy/role-leases.yaml must allow every call the leader elector makes (in this file
// and in every other test of the run) while granting nothing it does not use.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allRecordedCalls, HOST_USER, type RecordedCall } from '@kupstream/fake-kube-api';
import { parse } from 'yaml';
import { LeaderElector } from '../src/index.js';
import { LEASE_NAMESPACE, LEASE_USER, ManualClock, startLeaseCluster } from './election-fixtures.js';

const LEASE_ROLE = fileURLToPath(new URL('../../../deploy/role-leases.yaml', import.meta.url));

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface Role {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules: PolicyRule[];
}

const leaseRole = parse(readFileSync(LEASE_ROLE, 'utf8')) as Role;

/** The RBAC authorizer's decision for a call under a namespaced Role (no wildcards are used). */
function roleAllows(role: Role, call: RecordedCall): boolean {
  const r = call.resource;
  if (!r || r.namespace !== role.metadata.namespace) return false;
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  return role.rules.some(
    (rule) =>
      rule.apiGroups.includes(r.group) &&
      rule.resources.includes(resource) &&
      rule.verbs.includes(r.verb) &&
      (!rule.resourceNames?.length || (r.name !== undefined && rule.resourceNames.includes(r.name))),
  );
}

const describeCall = (c: RecordedCall) =>
  `${c.resource?.verb ?? c.method} ${c.resource?.group || 'core'}/${c.resource?.resource ?? c.path}${c.resource?.name ? `/${c.resource.name}` : ''} in ${c.resource?.namespace ?? '(cluster)'}`;

describe('deploy/role-leases.yaml', () => {
  it('is a Role in the namespace the election tests use', () => {
    assert.equal(leaseRole.kind, 'Role');
    assert.equal(leaseRole.metadata.namespace, LEASE_NAMESPACE);
  });

  it('allows every call of an elector that acquires, renews and releases, and each grant is used', async () => {
    const cluster = await startLeaseCluster();
    const clock = new ManualClock();
    const errors: Error[] = [];
    const elector = new LeaderElector(cluster.api, { namespace: LEASE_NAMESPACE, clock, onError: (error) => errors.push(error) });
    const other = new LeaderElector(cluster.api, { namespace: LEASE_NAMESPACE, clock, onError: (error) => errors.push(error) });
    try {
      elector.start();
      await clock.advance(0, cluster.settled);
      other.start();
      await clock.advance(5_000, cluster.settled);
      await elector.release();
      await clock.advance(5_000, cluster.settled);
      assert.equal(other.isLeader(), true);
      assert.deepEqual(errors, []);
    } finally {
      await Promise.all([elector.close(), other.close()]);
      await cluster.close();
    }
    const calls = cluster.server.calls.filter((c) => c.user === LEASE_USER);
    assert.deepEqual(calls.filter((c) => !roleAllows(leaseRole, c)).map(describeCall), []);
    const unused = leaseRole.rules.flatMap((rule) =>
      rule.verbs.filter((verb) => !calls.some((c) => c.resource?.verb === verb)).map((verb) => `${verb} leases`),
    );
    assert.deepEqual(unused, [], 'grants the elector never uses');
  });
});

// After every test file has run: every call any leader-election test made was allowed by the Role.
after(function () {
  // The host's ServiceAccount holds the Role too: its Lease calls (a controller with a Lease) count.
  const leaseCall = (c: RecordedCall) => c.user === LEASE_USER || (c.user === HOST_USER && c.resource?.group === 'coordination.k8s.io');
  const calls = allRecordedCalls.filter((c) => leaseCall(c) && c.statusCode !== 401);
  const denied = calls.filter((c) => !roleAllows(leaseRole, c));
  assert.deepEqual(
    [...new Set(denied.map(describeCall))],
    [],
    'calls made by the leader elector during the cluster tests that deploy/role-leases.yaml does not allow',
  );
});
