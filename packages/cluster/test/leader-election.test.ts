import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { LEADER_ELECTION_DEFAULTS, LeaderElector, readRecord, type LeaderElectorOptions } from '../src/index.js';
import type { KubeObject } from '@kupstream/fake-kube-api';
import { LEASE_NAMESPACE, ManualClock, startLeaseCluster, type LeaseCluster } from './election-fixtures.js';
import { eventually } from './fixtures.js';

const LEASE_NAME = LEADER_ELECTION_DEFAULTS.leaseName;
const LEASE_PATH = `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases/${LEASE_NAME}`;
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** What one elector did, in order, with the manual clock's time. */
interface Journal {
  events: { at: number; event: string }[];
  errors: Error[];
}

describe('LeaderElector', () => {
  let cluster: LeaseCluster;
  let clock: ManualClock;
  const electors: LeaderElector[] = [];

  beforeEach(async () => {
    cluster = await startLeaseCluster();
    clock = new ManualClock();
  });
  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.close()));
    await cluster.close();
  });

  const elector = (identity: string, options: Partial<LeaderElectorOptions> = {}): { elector: LeaderElector; journal: Journal } => {
    const journal: Journal = { events: [], errors: [] };
    const note = (event: string) => journal.events.push({ at: clock.now(), event });
    const e = new LeaderElector(cluster.api, {
      namespace: LEASE_NAMESPACE,
      identity,
      clock,
      random: () => 0.5,
      onStartedLeading: () => note('started'),
      onStoppedLeading: () => note('stopped'),
      onNewLeader: (leader) => note(`leader ${leader}`),
      onError: (error) => journal.errors.push(error),
      ...options,
    });
    electors.push(e);
    return { elector: e, journal };
  };
  const advance = (ms: number) => clock.advance(ms, cluster.settled);
  const lease = (): KubeObject => {
    const object = cluster.server.get('coordination.k8s.io/v1', 'Lease', LEASE_NAMESPACE, LEASE_NAME);
    assert.ok(object, 'the Lease exists');
    return object;
  };
  const record = () => {
    const r = readRecord(lease());
    assert.ok(r);
    return r;
  };
  const leaseCalls = (method: string, statusCode?: number) =>
    cluster.server.calls.filter(
      (c) =>
        c.path.startsWith(LEASE_PATH.slice(0, LEASE_PATH.lastIndexOf('/'))) &&
        c.method === method &&
        (statusCode === undefined || c.statusCode === statusCode),
    );

  it('states its defaults once, as controller-runtime has them, and refuses durations that cannot be safe', () => {
    assert.deepEqual(
      { ...LEADER_ELECTION_DEFAULTS },
      { leaseName: 'kupstream-status-writer', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
    );
    const a = new LeaderElector(cluster.api, { namespace: LEASE_NAMESPACE });
    const b = new LeaderElector(cluster.api, { namespace: LEASE_NAMESPACE });
    assert.ok(a.identity.startsWith(`${hostname()}_`), a.identity);
    assert.notEqual(a.identity, b.identity);
    assert.equal(a.leaseName, 'kupstream-status-writer');
    assert.throws(
      () => new LeaderElector(cluster.api, { namespace: LEASE_NAMESPACE, renewDeadlineMs: 15_000 }),
      /renewDeadlineMs must be shorter/,
    );
    assert.throws(() => new LeaderElector(cluster.api, { namespace: LEASE_NAMESPACE, retryPeriodMs: 9_000 }), /retryPeriodMs/);
    assert.throws(() => new LeaderElector(cluster.api, { namespace: LEASE_NAMESPACE, leaseDurationMs: 15_500 }), /whole number of seconds/);
    assert.throws(() => new LeaderElector(cluster.api, { namespace: '' }), /namespace/);
  });

  it('a single replica creates the Lease, leads, and renews it every retry period', async () => {
    const { elector: e, journal } = elector('replica-a');
    const started = clock.now();
    e.start();
    await advance(0);
    assert.equal(e.isLeader(), true);
    assert.equal(e.leader, 'replica-a');
    assert.deepEqual(journal.events, [
      { at: started, event: 'leader replica-a' },
      { at: started, event: 'started' },
    ]);
    assert.deepEqual(
      cluster.server.calls.map((c) => `${c.method} ${c.statusCode}`),
      ['GET 404', 'POST 201'],
    );
    const created = record();
    assert.equal(created.holderIdentity, 'replica-a');
    assert.equal(created.leaseDurationSeconds, 15);
    assert.equal(created.leaseTransitions, 0);
    assert.match(created.renewTime, MICRO_TIME);
    assert.equal(new Date(created.renewTime).getTime(), started);

    await advance(6_000);
    const renewed = record();
    assert.equal(new Date(renewed.renewTime).getTime(), started + 6_000);
    assert.equal(renewed.acquireTime, created.acquireTime, 'acquireTime stays while the same holder renews');
    // Renewals write from the Lease last written, without reading it again.
    assert.deepEqual(
      cluster.server.calls.slice(2).map((c) => `${c.method} ${c.statusCode}`),
      ['PUT 200', 'PUT 200', 'PUT 200'],
    );
    assert.equal(e.isLeader(), true);
    assert.deepEqual(journal.errors, []);
  });

  it('two replicas started together: the create race has one winner, and exactly one leads at every moment', async () => {
    const a = elector('replica-a');
    const b = elector('replica-b');
    a.elector.start();
    b.elector.start();
    for (let t = 0; t <= 60_000; t += 500) {
      await advance(t === 0 ? 0 : 500);
      assert.equal([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean).length, 1, `at +${t} ms`);
    }
    assert.equal(leaseCalls('POST', 201).length, 1);
    assert.equal(leaseCalls('POST', 409).length, 1, 'the loser of the create race got 409 AlreadyExists');
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];
    assert.deepEqual(
      follower.journal.events.map((x) => x.event),
      [`leader ${leader.elector.identity}`],
    );
    assert.equal(record().holderIdentity, leader.elector.identity);
    assert.deepEqual([...a.journal.errors, ...b.journal.errors], []);
  });

  it('when the leader dies without releasing, the other takes over once the lease expires on its own clock, not before', async () => {
    const a = elector('replica-a');
    a.elector.start();
    await advance(0);
    const b = elector('replica-b');
    b.elector.start();
    await advance(7_000);
    assert.equal(a.elector.isLeader(), true);
    assert.equal(b.elector.isLeader(), false);

    await a.elector.close(); // a crash: no more renewals, no release
    const lastRenewal = new Date(record().renewTime).getTime();
    assert.equal(a.elector.isLeader(), false);
    assert.deepEqual(a.journal.events.at(-1)?.event, 'stopped');
    await advance(25_000);

    const started = b.journal.events.find((x) => x.event === 'started');
    assert.ok(started, 'replica-b took over');
    const { leaseDurationMs, retryPeriodMs } = LEADER_ELECTION_DEFAULTS;
    // b sees each renewal at its next poll (≤ 1.2 retry periods later), and acts the moment
    // the lease runs out from that sighting.
    assert.ok(started.at >= lastRenewal + leaseDurationMs, `took over ${started.at - lastRenewal} ms after the last renewal`);
    assert.ok(
      started.at <= lastRenewal + leaseDurationMs + 1.2 * retryPeriodMs,
      `took over ${started.at - lastRenewal} ms after the last renewal`,
    );
    assert.equal(b.elector.isLeader(), true);
    const taken = record();
    assert.equal(taken.holderIdentity, 'replica-b');
    assert.equal(taken.leaseTransitions, 1);
    assert.equal(new Date(taken.acquireTime).getTime(), started.at);
  });

  it('judges expiry by when it saw the record change, never by the holder’s timestamps', async () => {
    // A holder whose clock runs an hour behind: its renewTime looks long expired.
    cluster.server.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { namespace: LEASE_NAMESPACE, name: LEASE_NAME },
      spec: {
        holderIdentity: 'skewed',
        leaseDurationSeconds: 15,
        acquireTime: '2026-05-31T23:00:00.000000Z',
        renewTime: '2026-05-31T23:00:00.000000Z',
        leaseTransitions: 3,
      },
    });
    const { elector: e, journal } = elector('replica-a');
    const seen = clock.now();
    e.start();
    await advance(14_999);
    assert.equal(e.isLeader(), false, 'the lease is valid for 15 s after it was first seen');
    assert.deepEqual(journal.events, [{ at: seen, event: 'leader skewed' }]);
    await advance(1);
    assert.equal(e.isLeader(), true);
    assert.equal(journal.events.at(-1)?.at, seen + 15_000);
    assert.equal(record().leaseTransitions, 4);
  });

  it('release on shutdown hands the Lease over at once: the other leads at its next attempt', async () => {
    const a = elector('replica-a');
    a.elector.start();
    await advance(0);
    const b = elector('replica-b');
    b.elector.start();
    await advance(5_000);

    const releasedAt = clock.now();
    await a.elector.release();
    assert.equal(a.elector.isLeader(), false);
    assert.deepEqual(a.journal.events.at(-1), { at: releasedAt, event: 'stopped' });
    const released = record();
    assert.equal(released.holderIdentity, '');
    assert.equal(released.leaseDurationSeconds, 1);
    assert.equal(released.leaseTransitions, 0);

    await advance(5_000);
    const started = b.journal.events.find((x) => x.event === 'started');
    assert.ok(started);
    assert.ok(
      started.at - releasedAt <= 1.2 * LEADER_ELECTION_DEFAULTS.retryPeriodMs,
      `took over ${started.at - releasedAt} ms after the release`,
    );
    assert.equal(record().holderIdentity, 'replica-b');
    assert.equal(record().leaseTransitions, 1);
    // A released elector stays stopped: it never writes the Lease again.
    const writesByA = () =>
      cluster.server.calls.filter(
        (c) => (c.method === 'PUT' || c.method === 'POST') && JSON.stringify(c.body).includes('"holderIdentity":"replica-a"'),
      ).length;
    const before = writesByA();
    await advance(20_000);
    assert.equal(writesByA(), before);
    assert.equal(a.elector.isLeader(), false);
    assert.equal(a.journal.events.filter((x) => x.event === 'started').length, 1);
  });

  it('release re-reads and retries once when its write conflicts with a change that left it the holder', async () => {
    const { elector: e, journal } = elector('replica-a');
    e.start();
    await advance(0);
    const current = lease();
    cluster.server.put({ ...current, metadata: { ...current.metadata, labels: { edited: 'by-hand' } } });
    await e.release();
    assert.deepEqual(
      leaseCalls('PUT').map((c) => c.statusCode),
      [409, 200],
    );
    assert.equal(leaseCalls('GET', 200).length, 1);
    assert.equal(record().holderIdentity, '');
    assert.deepEqual(lease().metadata.labels, { edited: 'by-hand' });
    assert.deepEqual(journal.errors, []);
  });

  it('two candidates racing for an expired lease: the update conflict has one winner', async () => {
    cluster.server.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { namespace: LEASE_NAMESPACE, name: LEASE_NAME },
      spec: {
        holderIdentity: 'ghost',
        leaseDurationSeconds: 15,
        acquireTime: '2026-06-01T00:00:00.000000Z',
        renewTime: '2026-06-01T00:00:00.000000Z',
        leaseTransitions: 0,
      },
    });
    const a = elector('replica-a');
    const b = elector('replica-b');
    a.elector.start();
    b.elector.start();
    await advance(14_999);
    assert.equal(leaseCalls('PUT').length, 0, 'nobody writes a lease that is still valid');
    await advance(1);
    assert.equal([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean).length, 1);
    assert.deepEqual(
      leaseCalls('PUT')
        .map((c) => c.statusCode)
        .sort(),
      [200, 409],
    );
    await advance(20_000);
    assert.equal([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean).length, 1);
    assert.deepEqual([...a.journal.errors, ...b.journal.errors], [], 'conflicts are the protocol, not errors');
  });

  it('steps down at once when someone else took the Lease (its renewal conflicts)', async () => {
    const { elector: e, journal } = elector('replica-a');
    e.start();
    await advance(0);
    const current = lease();
    cluster.server.put({
      ...current,
      spec: { ...(current.spec as object), holderIdentity: 'intruder', renewTime: '2026-06-01T00:00:01.000000Z' },
    });
    await advance(2_000);
    assert.equal(e.isLeader(), false);
    assert.deepEqual(
      journal.events.slice(2).map((x) => [x.at - clock.now(), x.event]),
      [
        [0, 'leader intruder'],
        [0, 'stopped'],
      ],
    );
    assert.deepEqual(
      leaseCalls('PUT').map((c) => c.statusCode),
      [409],
    );
  });

  it('API errors never throw: the leader keeps leading until renewDeadline, steps down then, and leads again once the API answers', async () => {
    const { elector: e, journal } = elector('replica-a');
    e.start();
    await advance(0);
    const lastRenewal = clock.now();
    // Leader attempts at +2 s … +8 s fail twice each (the PUT, then the GET), the candidate's GET at +10 s once.
    cluster.server.failNext({ path: /\/leases\//, statusCode: 500, times: 9 });
    await advance(9_999);
    assert.equal(e.isLeader(), true, 'still within renewDeadline');
    await advance(1);
    assert.equal(e.isLeader(), false);
    assert.deepEqual(
      journal.events.filter((x) => x.event === 'stopped'),
      [{ at: lastRenewal + LEADER_ELECTION_DEFAULTS.renewDeadlineMs, event: 'stopped' }],
    );
    assert.ok(journal.errors.some((error) => /injected 500/.test(error.message)));
    assert.ok(journal.errors.some((error) => /could not renew .* within 10000 ms/.test(error.message)));

    await advance(3_000);
    assert.equal(e.isLeader(), true, 'the Lease still names it, so it takes it back');
    assert.equal(journal.events.filter((x) => x.event === 'started').length, 2);
  });

  it('keeps its retry pace when attempts on an expired lease keep failing', async () => {
    cluster.server.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { namespace: LEASE_NAMESPACE, name: LEASE_NAME },
      spec: {
        holderIdentity: 'ghost',
        leaseDurationSeconds: 15,
        acquireTime: '2026-06-01T00:00:00.000000Z',
        renewTime: '2026-06-01T00:00:00.000000Z',
        leaseTransitions: 0,
      },
    });
    cluster.server.failNext({ method: 'PUT', path: /\/leases\//, statusCode: 500, times: 1_000 });
    const { elector: e, journal } = elector('replica-a');
    e.start();
    await advance(15_000 + 20_000);
    // The first attempt at +15 s, then one every 2.2 s (retry period plus this test's 10 % jitter).
    assert.equal(leaseCalls('PUT', 500).length, 1 + Math.floor(20_000 / 2_200));
    assert.equal(e.isLeader(), false);
    assert.ok(journal.errors.length > 0 && journal.errors.every((error) => /injected 500/.test(error.message)));
  });

  it('an error thrown by a callback goes to onError and does not stop the election', async () => {
    const { elector: e, journal } = elector('replica-a', {
      onStartedLeading: () => {
        throw new Error('host failed');
      },
    });
    e.start();
    await advance(4_000);
    assert.equal(e.isLeader(), true);
    assert.deepEqual(
      journal.errors.map((x) => x.message),
      ['host failed'],
    );
    assert.equal(leaseCalls('PUT', 200).length, 2);
  });
});

describe('LeaderElector on the real clock', () => {
  let cluster: LeaseCluster;
  beforeEach(async () => {
    cluster = await startLeaseCluster();
  });
  afterEach(() => cluster.close());

  it('fails over on a crash within lease duration plus a retry, on a release much sooner, and steps down when the API hangs', async function () {
    this.timeout(15_000);
    const timing = { leaseDurationMs: 1_000, renewDeadlineMs: 600, retryPeriodMs: 150 };
    const errors: Error[] = [];
    const startedAt = new Map<string, number>();
    const stoppedAt = new Map<string, number>();
    const make = (identity: string) =>
      new LeaderElector(cluster.kubeConfig, {
        namespace: LEASE_NAMESPACE,
        identity,
        ...timing,
        onStartedLeading: () => startedAt.set(identity, Date.now()),
        onStoppedLeading: () => stoppedAt.set(identity, Date.now()),
        onError: (error) => errors.push(error),
      });
    const a = make('a');
    const b = make('b');
    const c = make('c');
    try {
      a.start();
      await eventually(() => (a.isLeader() ? true : undefined), 'a leads');
      b.start();
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(b.isLeader(), false);

      await a.close();
      const killedAt = Date.now();
      await eventually(() => (b.isLeader() ? true : undefined), 'b takes over', 5_000);
      const failover = (startedAt.get('b') ?? 0) - killedAt;
      // Not before the lease may have expired (a renewed at most one retry before the kill)…
      assert.ok(failover >= timing.leaseDurationMs - timing.retryPeriodMs - 50, `failover after ${failover} ms`);
      // …and no later than a sighting lag plus the lease duration, with room for a loaded machine.
      assert.ok(failover <= timing.leaseDurationMs + 2 * timing.retryPeriodMs + 400, `failover after ${failover} ms`);

      c.start();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(c.isLeader(), false);
      const releasedAt = Date.now();
      await b.release();
      await eventually(() => (c.isLeader() ? true : undefined), 'c takes over after the release', 5_000);
      const handover = (startedAt.get('c') ?? 0) - releasedAt;
      assert.ok(handover < timing.leaseDurationMs, `handover after ${handover} ms (a release must not wait for expiry)`);

      // A hung API server: calls never answer in time, and the leader steps down at its deadline.
      const lastGood = Date.now();
      cluster.server.failNext({ path: /\/leases\//, delayMs: 2_000, times: 100 });
      await eventually(() => (c.isLeader() ? undefined : true), 'c steps down', 5_000);
      const steppedDown = (stoppedAt.get('c') ?? 0) - lastGood;
      assert.ok(steppedDown <= timing.renewDeadlineMs + 300, `stepped down ${steppedDown} ms after the last good renewal`);
      assert.ok(errors.some((error) => /could not renew/.test(error.message)));
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});
