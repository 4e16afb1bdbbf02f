import { asyncLocalStorage, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FaultType, NO_VALID_HOST_MESSAGE } from '../../domain/faults';
import type { HostState } from '../../domain/rows';
import type { Claim, RankedClaimRequest } from '../conductor/claims';
import { explainRejections, filterHosts } from './filters';
import { schedulerDecisions, schedulerSeconds } from './metrics';
import type { FilterContext, ScheduleRequest } from './request';
import { weighHosts, type WeightMultipliers } from './weighers';

export interface SchedulerDeps {
  /** Hosts with their current usage: the conductor's read function, passed in (the scheduler has no `sql`). */
  listHostStates(): Promise<HostState[]>;
  /** The conductor's atomic claim down a ranked list, passed in the same way; null when no candidate had room. */
  claimRanked(req: RankedClaimRequest): Promise<string | null>;
  now?: () => Date;
  /** Nova's service_down_time: a host silent for longer is down. */
  serviceDownTimeMs: number;
  multipliers?: Partial<WeightMultipliers>;
}

/**
 * Every host that passes the filters, best first. A requested host comes back alone: Nova gives no alternates
 * when the destination is forced. Throws NoValidHost when nothing passes the filters.
 */
export function rankHosts(
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
  return weighHosts(passed, req, multipliers).map((host) => host.name);
}

/** Host names best first: the primary, then up to maxAttempts − 1 alternates (see rankHosts). */
export function pickDestinations(
  hosts: readonly HostState[],
  req: ScheduleRequest,
  ctx: FilterContext,
  multipliers?: Partial<WeightMultipliers>,
): string[] {
  return rankHosts(hosts, req, ctx, multipliers).slice(0, alternatesLimit(req) + 1);
}

/** How many alternates a placement keeps for reschedules: Nova's max_attempts − 1, none for a requested host. */
function alternatesLimit(req: ScheduleRequest): number {
  return req.requestedHost !== undefined ? 0 : Math.max(0, Math.floor(req.maxAttempts) - 1);
}

/**
 * The claimed host and its alternates: the hosts ranked after it, up to maxAttempts − 1 (a retried claim's host
 * may have dropped out of the ranking: then the best others).
 */
export function claimWithAlternates(ranked: readonly string[], host: string, req: ScheduleRequest): Claim {
  const at = ranked.indexOf(host);
  const after = at >= 0 ? ranked.slice(at + 1) : ranked.filter((name) => name !== host);
  return { host, alternates: after.slice(0, alternatesLimit(req)) };
}

/**
 * The scheduler's activities. Selection only reads; `selectAndClaim` then has the conductor claim down the whole
 * ranked list in one statement, as Nova's scheduler claims down its weighed list.
 */
export function createSchedulerActivities(deps: SchedulerDeps) {
  const context = (): FilterContext => ({ now: deps.now?.() ?? new Date(), serviceDownTimeMs: deps.serviceDownTimeMs });
  const decided = async <T>(decide: () => Promise<T>): Promise<T> => {
    const timer = schedulerSeconds.startTimer();
    try {
      const result = await decide();
      schedulerDecisions.inc({ outcome: 'placed' });
      return result;
    } catch (err) {
      schedulerDecisions.inc({ outcome: 'no_valid_host' });
      throw err;
    } finally {
      timer();
    }
  };
  return {
    /** Runs recorded before selectAndClaim: the primary and its alternates, claimed by claimResources. */
    selectDestinations: (req: ScheduleRequest): Promise<string[]> =>
      decided(async () => pickDestinations(await deps.listHostStates(), req, context(), deps.multipliers)),

    /**
     * Ranks every host and claims the first of them that still has room: concurrent claims that took the best
     * hosts since the read only push this one further down the list. NoValidHost when none has room.
     */
    selectAndClaim: (req: ScheduleRequest): Promise<Claim> =>
      decided(async () => {
        const ranked = rankHosts(await deps.listHostStates(), req, context(), deps.multipliers);
        const host = await deps.claimRanked({
          consumerUuid: req.instanceUuid,
          candidates: ranked,
          ignoreHosts: req.ignoreHosts,
          resources: req.resources,
          serviceDownTimeMs: deps.serviceDownTimeMs,
        });
        if (host === null) throw ApplicationFailure.nonRetryable(NO_VALID_HOST_MESSAGE, FaultType.NoValidHost);
        return claimWithAlternates(ranked, host, req);
      }),
  };
}

/** `log` throws outside an activity context, and unit tests call these functions directly. */
function logInActivity(message: string, meta: Record<string, unknown>): void {
  if (asyncLocalStorage.getStore() !== undefined) log.info(message, meta);
}

export type SchedulerActivities = ReturnType<typeof createSchedulerActivities>;
export type { ResourceRequest, ScheduleRequest } from './request';
