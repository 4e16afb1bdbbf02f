import { ApplicationFailure } from '@temporalio/common';
import { FaultType, NO_VALID_HOST_MESSAGE } from '../../domain/faults';
import type { HostState } from '../../domain/rows';
import { hostState } from '../../test/support/host-state';
import { createSchedulerActivities, type ScheduleRequest, type SchedulerDeps } from './index';

const NOW = new Date('2026-01-01T12:00:00Z');

const host = (name: string, over: Partial<HostState> = {}): HostState =>
  hostState(name, { last_seen_at: NOW, ...over });

/** A host with `n` 1-vCPU, 1 GB, 10 GB instances on it. */
const loaded = (name: string, n: number): HostState =>
  host(name, { used_vcpus: n, used_memory_mb: n * 1024, used_disk_gb: n * 10, instances: n });

function request(over: Partial<ScheduleRequest> = {}): ScheduleRequest {
  return {
    instanceUuid: '00000000-0000-4000-8000-000000000001',
    resources: { vcpus: 1, memoryMb: 1024, diskGb: 10 },
    ignoreHosts: [],
    maxAttempts: 3,
    ...over,
  };
}

/**
 * Claims that find `taken` hosts full, as when concurrent claims filled them since the read; `seen` records the
 * candidates of each claim: a batch's claim as one list per request, a ranked claim as its list.
 */
function fakeClaims(taken: string[] = []) {
  const seen: string[][] = [];
  const statements: string[][] = [];
  const claims: Pick<SchedulerDeps, 'claimRanked' | 'claimAssigned'> = {
    claimRanked: async (req) => {
      seen.push(req.candidates);
      return req.candidates.find((name) => !taken.includes(name)) ?? null;
    },
    claimAssigned: async (req) => {
      statements.push(req.hosts);
      seen.push(...req.hosts.map((host) => [host]));
      return req.hosts.map((host) => (taken.includes(host) ? null : host));
    },
  };
  return { claims, seen, statements };
}

function scheduler(hosts: HostState[], now: Date = NOW) {
  return createSchedulerActivities({
    listHostStates: async () => hosts,
    ...fakeClaims().claims,
    now: () => now,
    serviceDownTimeMs: 60_000,
  });
}

/** The failure selectDestinations rejected with; fails the test when it resolved. */
async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('selectDestinations', () => {
  const fleet = [loaded('c', 2), loaded('a', 4), loaded('e', 0), loaded('b', 1), loaded('d', 3)];

  it('returns the emptiest host first, then alternates, bounded by maxAttempts', async () => {
    await expect(scheduler(fleet).selectDestinations(request())).resolves.toEqual(['e', 'b', 'c']);
  });

  it('returns a single host and no alternates when maxAttempts is 1', async () => {
    await expect(scheduler(fleet).selectDestinations(request({ maxAttempts: 1 }))).resolves.toEqual(['e']);
  });

  it('returns every passing host when maxAttempts exceeds them', async () => {
    const hosts = [loaded('a', 1), loaded('b', 0)];
    await expect(scheduler(hosts).selectDestinations(request({ maxAttempts: 10 }))).resolves.toEqual(['b', 'a']);
  });

  it('returns only the requested host, without alternates', async () => {
    await expect(scheduler(fleet).selectDestinations(request({ requestedHost: 'a' }))).resolves.toEqual(['a']);
  });

  it('never picks an ignored host, such as the source of a move', async () => {
    await expect(scheduler(fleet).selectDestinations(request({ ignoreHosts: ['e', 'b'] }))).resolves.toEqual([
      'c',
      'd',
      'a',
    ]);
  });

  it('skips down and disabled hosts however empty they are', async () => {
    const hosts = [
      loaded('busy', 5),
      host('down', { last_seen_at: new Date(NOW.getTime() - 61_000) }),
      host('disabled', { disabled: true }),
    ];
    await expect(scheduler(hosts).selectDestinations(request())).resolves.toEqual(['busy']);
  });

  it('judges liveness by the injected clock', async () => {
    const hosts = [host('a', { last_seen_at: NOW })];
    const later = new Date(NOW.getTime() + 30_000);
    await expect(scheduler(hosts, later).selectDestinations(request())).resolves.toEqual(['a']);
    const muchLater = new Date(NOW.getTime() + 120_000);
    const failure = await failureOf(scheduler(hosts, muchLater).selectDestinations(request()));
    expect(failure.type).toBe(FaultType.NoValidHost);
  });

  it('gives the same answer for the same capacity whatever order the hosts are listed in', async () => {
    const tied = [host('h3'), host('h1'), host('h2')];
    await expect(scheduler(tied).selectDestinations(request())).resolves.toEqual(['h1', 'h2', 'h3']);
    await expect(scheduler([...tied].reverse()).selectDestinations(request())).resolves.toEqual(['h1', 'h2', 'h3']);
  });

  it('reads hosts and changes nothing', async () => {
    const hosts = [loaded('a', 1), loaded('b', 0)];
    const snapshot = structuredClone(hosts);
    await scheduler(hosts).selectDestinations(request());
    expect(hosts).toEqual(snapshot);
  });
});

describe('NoValidHost', () => {
  it('is a non-retryable NoValidHost failure with Nova message when nothing fits', async () => {
    const hosts = [loaded('a', 15), host('b', { forced_down: true })];
    const failure = await failureOf(
      scheduler(hosts).selectDestinations(request({ resources: { vcpus: 1, memoryMb: 2048, diskGb: 1 } })),
    );
    expect(failure.type).toBe('NoValidHost');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe(NO_VALID_HOST_MESSAGE);
    expect(failure.details).toEqual([{ hosts: 2, rejectedBy: { ComputeFilter: 1, RamFilter: 1 } }]);
  });

  it('is thrown when there are no hosts at all', async () => {
    const failure = await failureOf(scheduler([]).selectDestinations(request()));
    expect(failure.type).toBe(FaultType.NoValidHost);
  });

  it('is thrown when the requested host cannot take the instance, rather than falling back to another', async () => {
    const hosts = [loaded('a', 0), host('b', { disabled: true })];
    const failure = await failureOf(scheduler(hosts).selectDestinations(request({ requestedHost: 'b' })));
    expect(failure.type).toBe(FaultType.NoValidHost);
  });

  it('is thrown when every fitting host is ignored', async () => {
    const failure = await failureOf(scheduler([loaded('a', 0)]).selectDestinations(request({ ignoreHosts: ['a'] })));
    expect(failure.type).toBe(FaultType.NoValidHost);
  });
});

describe('selectAndClaim', () => {
  const fleet = [loaded('c', 2), loaded('a', 4), loaded('e', 0), loaded('b', 1), loaded('d', 3)];
  function claimingPast(taken: string[], hosts: HostState[] = fleet) {
    const { claims, seen, statements } = fakeClaims(taken);
    const activities = createSchedulerActivities({
      listHostStates: async () => structuredClone(hosts),
      ...claims,
      now: () => NOW,
      serviceDownTimeMs: 60_000,
    });
    return { activities, seen, statements };
  }

  it('claims down every ranked host, not only the first maxAttempts, and keeps the next ones as alternates', async () => {
    const { activities, seen } = claimingPast(['e', 'b', 'c']);
    await expect(activities.selectAndClaim(request())).resolves.toEqual({ host: 'd', alternates: ['a'] });
    expect(seen).toEqual([['e'], ['e', 'b', 'c', 'd', 'a']]);
  });

  it('ranks requests that arrive together once and claims them in one statement, spread as if one after another', async () => {
    const { activities, statements } = claimingPast([]);
    const uuid = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
    const claims = await Promise.all(
      [1, 2, 3].map((n) => activities.selectAndClaim(request({ instanceUuid: uuid(n) }))),
    );
    expect(claims).toEqual([
      { host: 'e', alternates: ['b', 'c'] },
      { host: 'b', alternates: ['e', 'c'] },
      { host: 'e', alternates: ['b', 'c'] },
    ]);
    expect(statements).toEqual([['e', 'b', 'e']]);
  });

  it('claims requests of different shapes in a statement each', async () => {
    const { activities, statements } = claimingPast([]);
    await Promise.all([
      activities.selectAndClaim(request()),
      activities.selectAndClaim(request({ ignoreHosts: ['e'] })),
    ]);
    expect(statements).toEqual([['e'], ['b']]);
  });

  it('answers a retried claim with the host the consumer already holds, whatever the batch gave it', async () => {
    const activities = createSchedulerActivities({
      listHostStates: async () => structuredClone(fleet),
      claimRanked: async () => 'c',
      claimAssigned: async (req) => req.hosts.map(() => 'c'),
      now: () => NOW,
      serviceDownTimeMs: 60_000,
    });
    await expect(activities.selectAndClaim(request())).resolves.toEqual({ host: 'c', alternates: ['d', 'a'] });
  });

  it('keeps at most maxAttempts − 1 alternates', async () => {
    const { activities } = claimingPast([]);
    await expect(activities.selectAndClaim(request())).resolves.toEqual({ host: 'e', alternates: ['b', 'c'] });
  });

  it('gives a requested host no alternates', async () => {
    const { activities, seen } = claimingPast([]);
    await expect(activities.selectAndClaim(request({ requestedHost: 'a' }))).resolves.toEqual({
      host: 'a',
      alternates: [],
    });
    expect(seen).toEqual([['a']]);
  });

  it('fails NoValidHost when every ranked host was taken', async () => {
    const { activities } = claimingPast(fleet.map((h) => h.name));
    const failure = await failureOf(activities.selectAndClaim(request()));
    expect(failure.type).toBe(FaultType.NoValidHost);
    expect(failure.nonRetryable).toBe(true);
  });
});

describe('selectAndClaim on a cached view of the hosts', () => {
  function sequence(views: HostState[][]) {
    let reads = 0;
    const activities = createSchedulerActivities({
      listHostStates: async () => structuredClone(views[Math.min(reads++, views.length - 1)]!),
      ...fakeClaims().claims,
      now: () => NOW,
      serviceDownTimeMs: 60_000,
    });
    return { activities, reads: () => reads };
  }

  it('ranks the next request without a read, counting the placement it just made', async () => {
    const { activities, reads } = sequence([[loaded('a', 0), loaded('b', 0)]]);
    await expect(activities.selectAndClaim(request())).resolves.toMatchObject({ host: 'a' });
    await expect(activities.selectAndClaim(request())).resolves.toMatchObject({ host: 'b' });
    expect(reads()).toBe(1);
  });

  it('reads again before answering NoValidHost when the cached view has no room', async () => {
    const { activities, reads } = sequence([[loaded('a', 15)], [loaded('a', 15)], [loaded('a', 15), loaded('b', 0)]]);
    await expect(
      activities.selectAndClaim(request({ resources: { vcpus: 1, memoryMb: 2048, diskGb: 1 } })),
    ).rejects.toThrow(NO_VALID_HOST_MESSAGE);
    await expect(
      activities.selectAndClaim(request({ resources: { vcpus: 1, memoryMb: 2048, diskGb: 1 } })),
    ).resolves.toMatchObject({
      host: 'b',
    });
    expect(reads()).toBe(3);
  });
});
