import { asyncLocalStorage, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FaultType, NO_VALID_HOST_MESSAGE } from '../../domain/faults';
import type { HostState } from '../../domain/rows';
import type { AssignedClaimRequest, Claim, RankedClaimRequest } from '../conductor/claims';
import { alternatesLimit, claimWithAlternates } from './alternates';
import { placeTogether } from './batch-placement';
import { Batcher } from './batcher';
import { explainRejections } from './filters';
import { HostStateCache } from './host-cache';
import { HostRanking } from './ranking';
import { schedulerDecisions, schedulerSeconds } from './metrics';
import type { FilterContext, ScheduleRequest } from './request';
import type { WeightMultipliers } from './weighers';

export interface SchedulerDeps {
  /** Hosts with their current usage: the conductor's read function, passed in (the scheduler has no `sql`). */
  listHostStates(): Promise<HostState[]>;
  /** The process's cached view of `listHostStates` (shared with whoever invalidates it); a new one otherwise. */
  hostStates?: HostStateCache;
  /** The conductor's atomic claim down a ranked list, passed in the same way; null when no candidate had room. */
  claimRanked(req: RankedClaimRequest): Promise<string | null>;
  /** The conductor's claim of the hosts a batch of requests was given, in one statement; null where one was not. */
  claimAssigned(req: AssignedClaimRequest): Promise<(string | null)[]>;
  now?: () => Date;
  /** Nova's service_down_time: a host silent for longer is down. */
  serviceDownTimeMs: number;
  multipliers?: Partial<WeightMultipliers>;
}

/**
 * Every host that passes the filters, weighed. A requested host comes alone: Nova gives no alternates when the
 * destination is forced. Throws NoValidHost when nothing passes the filters.
 */
export function rankHosts(
  hosts: readonly HostState[],
  req: ScheduleRequest,
  ctx: FilterContext,
  multipliers?: Partial<WeightMultipliers>,
): HostRanking {
  const ranking = new HostRanking(hosts, req, ctx, multipliers);
  if (ranking.size === 0) {
    const rejectedBy = explainRejections(hosts, req, ctx);
    logInActivity('No valid host', { instanceUuid: req.instanceUuid, hosts: hosts.length, rejectedBy });
    throw ApplicationFailure.nonRetryable(NO_VALID_HOST_MESSAGE, FaultType.NoValidHost, {
      hosts: hosts.length,
      rejectedBy,
    });
  }
  return ranking;
}

/** Host names best first: the primary, then up to maxAttempts − 1 alternates (see rankHosts). */
export function pickDestinations(
  hosts: readonly HostState[],
  req: ScheduleRequest,
  ctx: FilterContext,
  multipliers?: Partial<WeightMultipliers>,
): string[] {
  return names(rankHosts(hosts, req, ctx, multipliers).best(alternatesLimit(req) + 1));
}

function names(hosts: readonly HostState[]): string[] {
  return hosts.map((host) => host.name);
}

/**
 * The claim first walks this many of the best hosts, then, only when all of them are full, the rest: sending a
 * thousand names with every claim cost more than the claim itself.
 */
const FIRST_CLAIM_CHUNK = 16;

/**
 * The scheduler's activities. Selection only reads; `selectAndClaim` then has the conductor claim down the whole
 * ranked list in one statement, as Nova's scheduler claims down its weighed list.
 */
export function createSchedulerActivities(deps: SchedulerDeps) {
  const context = (): FilterContext => ({ now: deps.now?.() ?? new Date(), serviceDownTimeMs: deps.serviceDownTimeMs });
  const cache = deps.hostStates ?? new HostStateCache(deps.listHostStates);
  /**
   * Ranks `hosts` and claims down the list; undefined when no ranked host had room. The first choice counts as
   * used in the cache while the claim runs, so concurrent requests of this process rank the next hosts first
   * instead of racing for the same one (what Nova's host_subset_size spreads at random).
   */
  const placeOn = async (hosts: readonly HostState[], req: ScheduleRequest): Promise<Claim | undefined> => {
    const ranking = rankHosts(hosts, req, context(), deps.multipliers);
    const top = names(ranking.best(FIRST_CLAIM_CHUNK + alternatesLimit(req)));
    const undo = cache.consume(top[0]!, req.resources);
    const claimAmong = (candidates: string[]) =>
      deps.claimRanked({
        consumerUuid: req.instanceUuid,
        candidates,
        ignoreHosts: req.ignoreHosts,
        resources: req.resources,
        serviceDownTimeMs: deps.serviceDownTimeMs,
      });
    let ranked = top;
    let host: string | null;
    try {
      host = await claimAmong(top.slice(0, FIRST_CLAIM_CHUNK));
      if (host === null && ranking.size > FIRST_CLAIM_CHUNK) {
        ranked = names(ranking.best(ranking.size));
        host = await claimAmong(ranked.slice(FIRST_CLAIM_CHUNK));
      }
    } finally {
      undo();
    }
    if (host === null) return undefined;
    cache.consume(host, req.resources);
    return claimWithAlternates(ranked, host, req);
  };
  const batcher = new Batcher(async (requests: ScheduleRequest[]) =>
    placeTogether(requests, await cache.current(), context(), { ...deps, cache }),
  );
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
     * Places the request with the others that arrived with it: one ranking and one claim statement for them all
     * (placeTogether). One the batch did not place ranks every host on the cached view alone and claims the first
     * that still has room: concurrent claims that took the best hosts since only push it further down the list.
     * When the cached view has no host for it, or none of its hosts had room, it ranks and claims again on a fresh
     * read before NoValidHost.
     */
    selectAndClaim: (req: ScheduleRequest): Promise<Claim> =>
      decided(async () => {
        const batched = await batcher.submit(req);
        if (batched) return batched;
        const cached = await placeOn(await cache.current(), req).catch((err: unknown) => {
          if (failureType(err) === FaultType.NoValidHost) return undefined;
          throw err;
        });
        const claim = cached ?? (await placeOn(await cache.refresh(false), req));
        if (!claim) throw ApplicationFailure.nonRetryable(NO_VALID_HOST_MESSAGE, FaultType.NoValidHost);
        return claim;
      }),
  };
}

function failureType(err: unknown): string | undefined {
  return err instanceof ApplicationFailure ? (err.type ?? undefined) : undefined;
}

/** `log` throws outside an activity context, and unit tests call these functions directly. */
function logInActivity(message: string, meta: Record<string, unknown>): void {
  if (asyncLocalStorage.getStore() !== undefined) log.info(message, meta);
}

export type SchedulerActivities = ReturnType<typeof createSchedulerActivities>;
export { HostStateCache } from './host-cache';
export type { ResourceRequest, ScheduleRequest } from './request';
