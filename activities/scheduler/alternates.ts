import type { Claim } from '../conductor/claims';
import type { ScheduleRequest } from './request';

/** How many alternates a placement keeps for reschedules: Nova's max_attempts − 1, none for a requested host. */
export function alternatesLimit(req: ScheduleRequest): number {
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
