/**
 * Host selection + claim among the seeded hosts, outside Temporal: the conductor's own scheduler activity
 * (filters and weighers over every host's state, then one atomic claim down the ranked list), called as the
 * workflows call it. A request that still finds no room selects again (a failed check if it never does).
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { listHostStates, schedulerClaims } from '../../activities/conductor/claims';
import type { Sql } from '../../activities/conductor/db';
import { createSchedulerActivities } from '../../activities/scheduler';
import { auditAllocations, type OvercommittedHost } from '../../api/queries/allocation-audit';
import type { Resources } from '../../domain/capacity';
import { FaultType } from '../../domain/faults';
import { forEachConcurrently } from '../scenarios';
import { refreshSeededHosts } from '../seed';

/**
 * A request gives up after this many selections. The seeded room is three times the requests, and a claim walks
 * the whole ranked list, so selecting again at all means a claim found no host with room: a failed check.
 */
const MAX_SELECTIONS = 60;
const DAY_MS = 86_400_000;

export interface SchedulerResult {
  hosts: number;
  single: number[];
  concurrent: number[];
  concurrency: number;
  /** Requests whose claim found no ranked host with room and selected again (0 while the cloud has room). */
  reselections: number;
  /** Requests that found no host at all within MAX_SELECTIONS (a failed check). */
  unplaced: number;
  overcommitted: OvercommittedHost[];
}

export async function measureScheduler(
  sql: Sql,
  opts: {
    requests: number;
    concurrency: number;
    resources: Resources;
    maxAttempts: number;
    /** The run's real hosts: the phase claims among the seeded ones only. */
    ignoreHosts: string[];
  },
): Promise<SchedulerResult> {
  await refreshSeededHosts(sql);
  // The seeded hosts never report: liveness is not under test here, so none of them may count as down mid-run.
  const scheduler = createSchedulerActivities({
    ...schedulerClaims(sql),
    serviceDownTimeMs: DAY_MS,
  });
  let reselections = 0;
  let unplaced = 0;
  const placeOne = async (): Promise<number> => {
    const consumerUuid = randomUUID();
    const began = performance.now();
    for (let i = 0; i < MAX_SELECTIONS; i++) {
      // Selection and claim both answer NoValidHost when the room is gone: either way the request selects again,
      // and one that never finds room counts as unplaced (a failed check) instead of ending the run.
      try {
        await scheduler.selectAndClaim({
          instanceUuid: consumerUuid,
          resources: opts.resources,
          ignoreHosts: opts.ignoreHosts,
          maxAttempts: opts.maxAttempts,
        });
        return performance.now() - began;
      } catch (err) {
        if (!(err instanceof ApplicationFailure) || err.type !== FaultType.NoValidHost) throw err;
        reselections++;
      }
    }
    unplaced++;
    return performance.now() - began;
  };
  const hosts = (await listHostStates(sql)).length;
  const single: number[] = [];
  for (let i = 0; i < opts.requests; i++) single.push(await placeOne());
  const concurrent: number[] = [];
  const slots = Array.from({ length: opts.requests }, (_, i) => i);
  await forEachConcurrently(slots, opts.concurrency, async () => {
    concurrent.push(await placeOne());
  });
  const overcommitted = (await auditAllocations(sql)).overcommitted_hosts;
  return { hosts, single, concurrent, concurrency: opts.concurrency, reselections, unplaced, overcommitted };
}
