import { ApplicationFailure, log } from '@temporalio/workflow';
import { hasPatch } from './patches';
import type { OperationSettings } from '../config';
import type { Claim } from '../activities/conductor';
import type { ScheduleRequest } from '../activities/scheduler';
import type { Resources } from '../domain/capacity';
import { FaultType, maxRetriesMessage } from '../domain/faults';
import { computeOn, conductorOn, schedulerOn } from './activities';
import { failureType, isHostUnreachable } from './failures';

const RESCHEDULABLE: readonly string[] = [FaultType.RescheduledException, FaultType.MigrationPreCheckError];

/**
 * The patch that made selection and claim one step down the whole ranked list: runs recorded without it selected
 * maxAttempts hosts, then claimed among those three only.
 */
export const CLAIM_DOWN_RANKED_LIST = 'claim-down-ranked-list';

/**
 * Picks hosts for the request and claims the first that still has room. One scheduler step ranks every host and
 * claims down the whole list, so concurrent claims that took the best hosts only push this one further down;
 * the claim keeps up to maxAttempts − 1 alternates for reschedules.
 */
export async function scheduleAndClaim(settings: OperationSettings, req: ScheduleRequest): Promise<Claim> {
  if (hasPatch(CLAIM_DOWN_RANKED_LIST)) return schedulerOn(settings).selectAndClaim(req);
  const candidates = await schedulerOn(settings).selectDestinations(req);
  return conductorOn(settings).claimResources({ consumerUuid: req.instanceUuid, candidates, resources: req.resources });
}

/**
 * A host failing before the guest runs there may be skipped for the next alternate: Nova's reschedule of a build,
 * and its live migration moving on from a destination that refused its pre-checks.
 */
export function isReschedulable(err: unknown): boolean {
  const type = failureType(err);
  return (type !== undefined && RESCHEDULABLE.includes(type)) || isHostUnreachable(err);
}

/**
 * Claims the first of `failed`'s alternates that still has room; the caller has already cleaned up and
 * released the failed host. None left: Nova's "Exceeded maximum number of retries" fault.
 */
export async function claimNextAlternate(
  settings: OperationSettings,
  failed: Claim,
  consumerUuid: string,
  resources: Resources,
  /** Why the failed host failed: the cause of the fault when no alternate is left. */
  why?: unknown,
): Promise<Claim> {
  if (failed.alternates.length === 0) {
    throw ApplicationFailure.create({
      message: maxRetriesMessage(consumerUuid),
      type: FaultType.MaxRetriesExceeded,
      nonRetryable: true,
      cause: why instanceof Error ? why : undefined,
    });
  }
  return conductorOn(settings).claimResources({ consumerUuid, candidates: failed.alternates, resources });
}

/** An instance being placed: the claim it holds right now is what a rollback must release. */
export interface Placement {
  instanceUuid: string;
  resources: Resources;
  claim: Claim | undefined;
}

/** A host given up on, and why: the next attempt records it (its event ends in error) in its first write. */
export interface Refusal {
  host: string;
  error: unknown;
}

/**
 * Claims a host (`claimFirst`: scheduleAndClaim, or a claim on a forced host) and runs `attempt` there (the spawn of a build or an unshelve, the
 * pre-checks of a live migration). A reschedulable failure undoes that host (`release`; by default its guest and
 * claim go) and tries the next alternate, as Nova's build retries do; any other failure, or running out of
 * alternates (MaxRetriesExceeded, caused by the last failure), throws with `placement.claim` naming what to release.
 */
export async function placeAndRun<T>(
  settings: OperationSettings,
  placement: Placement,
  claimFirst: () => Promise<Claim>,
  attempt: (host: string, refused: Refusal | undefined) => Promise<T>,
  release: (host: string) => Promise<void> = (host) => releasePlacement(settings, placement.instanceUuid, host),
): Promise<T> {
  const { instanceUuid, resources } = placement;
  let claim = await claimFirst();
  placement.claim = claim;
  let refused: Refusal | undefined;
  for (;;) {
    try {
      return await attempt(claim.host, refused);
    } catch (err) {
      if (!isReschedulable(err)) throw err;
      log.warn('failed on a host, trying an alternate', { host: claim.host, error: String(err) });
      await release(claim.host);
      placement.claim = undefined;
      refused = { host: claim.host, error: err };
      claim = await claimNextAlternate(settings, claim, instanceUuid, resources, err);
      placement.claim = claim;
    }
  }
}

/** Undoes a placement: the guest (if any) goes from the host, then the claim from the database. */
export async function releasePlacement(settings: OperationSettings, instanceUuid: string, host: string): Promise<void> {
  try {
    await computeOn(settings, host).destroy.executeWithOptions({ summary: `clean up on ${host}` }, [instanceUuid]);
  } catch (err) {
    // A dead host keeps its partial guest; the claim is still released so capacity is not lost.
    log.warn('could not clean up guest', { host, error: String(err) });
  }
  await conductorOn(settings).releaseClaim({ consumerUuid: instanceUuid, host });
}
