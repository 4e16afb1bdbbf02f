import type { HostState } from '../../domain/rows';
import type { AssignedClaimRequest, Claim } from '../conductor/claims';
import { alternatesLimit, claimWithAlternates } from './alternates';
import type { HostStateCache } from './host-cache';
import { HostRanking } from './ranking';
import type { FilterContext, ScheduleRequest } from './request';
import type { WeightMultipliers } from './weighers';

export interface BatchPlacementDeps {
  cache: HostStateCache;
  claimAssigned(req: AssignedClaimRequest): Promise<(string | null)[]>;
  serviceDownTimeMs: number;
  multipliers?: Partial<WeightMultipliers>;
}

/** A request given its host, counted on the cached host until its claim says whether it is kept. */
interface Assignment {
  req: ScheduleRequest;
  host: string;
  ranked: string[];
  undo(): void;
}

/**
 * Places requests that arrived together: one ranking for the requests of the same shape, each given the best host
 * left after the ones before it (counted in the cache, so they spread as Nova's consume_from_request spreads the
 * instances of one request), then one claim statement per shape. Undefined for a request with no host left in the
 * cached view, or whose host the claim found taken, disabled or down: the caller claims down its ranking alone.
 */
export async function placeTogether(
  requests: readonly ScheduleRequest[],
  hosts: readonly HostState[],
  ctx: FilterContext,
  deps: BatchPlacementDeps,
): Promise<(Claim | undefined)[]> {
  const claims: (Claim | undefined)[] = requests.map(() => undefined);
  await Promise.all(
    [...groupByShape(requests).values()].map(async (group) => {
      const placed = await placeShape(
        group.map((i) => requests[i]!),
        hosts,
        ctx,
        deps,
      );
      placed.forEach((claim, at) => (claims[group[at]!] = claim));
    }),
  );
  return claims;
}

async function placeShape(
  group: readonly ScheduleRequest[],
  hosts: readonly HostState[],
  ctx: FilterContext,
  deps: BatchPlacementDeps,
): Promise<(Claim | undefined)[]> {
  const shape = group[0]!;
  const ranking = new HostRanking(hosts, shape, ctx, deps.multipliers);
  const assignments: Assignment[] = [];
  for (const req of group) {
    const top = ranking.best(1 + alternatesLimit(req));
    const best = top[0];
    if (!best) break;
    const undo = deps.cache.consume(best.name, req.resources);
    ranking.rejudge(best);
    assignments.push({ req, host: best.name, ranked: top.map((h) => h.name), undo });
  }
  if (assignments.length === 0) return [];
  let claimed: (string | null)[];
  try {
    claimed = await deps.claimAssigned({
      consumerUuids: assignments.map((a) => a.req.instanceUuid),
      hosts: assignments.map((a) => a.host),
      ignoreHosts: shape.ignoreHosts,
      resources: shape.resources,
      serviceDownTimeMs: deps.serviceDownTimeMs,
    });
  } catch (err) {
    for (const a of assignments) a.undo();
    throw err;
  }
  return assignments.map((a, i) => {
    if (claimed[i] === a.host) return claimWithAlternates(a.ranked, a.host, a.req);
    a.undo();
    return undefined;
  });
}

/**
 * Indices of the requests that the same ranking and the same claim statement serve: everything the filters read
 * but the clock is the same.
 */
function groupByShape(requests: readonly ScheduleRequest[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  requests.forEach((req, i) => {
    const { vcpus, memoryMb, diskGb } = req.resources;
    const key = JSON.stringify([
      vcpus,
      memoryMb,
      diskGb,
      [...req.ignoreHosts].sort(),
      req.requestedHost ?? null,
      req.availabilityZone ?? null,
    ]);
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  return groups;
}
