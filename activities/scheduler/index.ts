import { asyncLocalStorage, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FaultType, NO_VALID_HOST_MESSAGE } from '../../domain/faults';
import type { HostState } from '../../domain/rows';
import { explainRejections, filterHosts } from './filters';
import { schedulerDecisions, schedulerSeconds } from './metrics';
import type { FilterContext, ScheduleRequest } from './request';
import { weighHosts, type WeightMultipliers } from './weighers';

export interface SchedulerDeps {
  /** Hosts with their current usage: the conductor's read function, passed in (the scheduler has no `sql`). */
  listHostStates(): Promise<HostState[]>;
  now?: () => Date;
  /** Nova's service_down_time: a host silent for longer is down. */
  serviceDownTimeMs: number;
  multipliers?: Partial<WeightMultipliers>;
}

/**
 * Host names best first: the primary, then up to maxAttempts − 1 alternates. A requested host comes back alone:
 * Nova gives no alternates when the destination is forced. Throws NoValidHost when nothing passes the filters.
 */
export function pickDestinations(
  hosts: readonly HostState[],
  req: ScheduleRequest,
  ctx: FilterContext,
  multipliers?: Partial<WeightMultipliers>,
): string[] {
  const passed = filterHosts(hosts, req, ctx);
  if (passed.length === 0) {
    const rejectedBy = explainRejections(hosts, req, ctx);
    logInActivity('No valid host', { instanceUuid: req.instanceUuid, hosts: hosts.length, rejectedBy });
    throw ApplicationFailure.nonRetryable(NO_VALID_HOST_MESSAGE, FaultType.NoValidHost, {
      hosts: hosts.length,
      rejectedBy,
    });
  }
  const limit = req.requestedHost !== undefined ? 1 : Math.max(1, Math.floor(req.maxAttempts));
  return weighHosts(passed, req, multipliers)
    .slice(0, limit)
    .map((host) => host.name);
}

/**
 * The scheduler's activities. They only read: the conductor claims on the returned hosts afterwards and moves
 * to the next alternate when a concurrent claim got there first.
 */
export function createSchedulerActivities(deps: SchedulerDeps) {
  return {
    async selectDestinations(req: ScheduleRequest): Promise<string[]> {
      const timer = schedulerSeconds.startTimer();
      const hosts = await deps.listHostStates();
      const ctx: FilterContext = { now: deps.now?.() ?? new Date(), serviceDownTimeMs: deps.serviceDownTimeMs };
      try {
        const picked = pickDestinations(hosts, req, ctx, deps.multipliers);
        schedulerDecisions.inc({ outcome: 'placed' });
        return picked;
      } catch (err) {
        schedulerDecisions.inc({ outcome: 'no_valid_host' });
        throw err;
      } finally {
        timer();
      }
    },
  };
}

/** `log` throws outside an activity context, and unit tests call these functions directly. */
function logInActivity(message: string, meta: Record<string, unknown>): void {
  if (asyncLocalStorage.getStore() !== undefined) log.info(message, meta);
}

export type SchedulerActivities = ReturnType<typeof createSchedulerActivities>;
export type { ResourceRequest, ScheduleRequest } from './request';
