import { ApplicationFailure, log } from '@temporalio/workflow';
import type { OperationSettings } from '../config';
import type { Claim } from '../activities/conductor';
import type { Resources } from '../domain/capacity';
import { FaultType, maxRetriesMessage } from '../domain/faults';
import { computeOn, conductorOn } from './activities';
import { failureType, isHostUnreachable } from './failures';

/** A host failing before the guest runs there may be skipped for the next alternate (Nova's reschedule). */
export function isReschedulable(err: unknown): boolean {
  return failureType(err) === FaultType.RescheduledException || isHostUnreachable(err);
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
): Promise<Claim> {
  if (failed.alternates.length === 0) {
    throw ApplicationFailure.nonRetryable(maxRetriesMessage(consumerUuid), FaultType.MaxRetriesExceeded);
  }
  return conductorOn(settings).claimResources({ consumerUuid, candidates: failed.alternates, resources });
}

/** An instance being placed: the claim it holds right now is what a rollback must release. */
export interface Placement {
  instanceUuid: string;
  resources: Resources;
  claim: Claim | undefined;
}

/**
 * Claims the first candidate that has room and runs `attempt` there (the spawn of a build or an unshelve). A
 * reschedulable failure releases that host, guest and claim, and tries the next alternate, as Nova's build retries
 * do; any other failure, or running out of alternates, throws with `placement.claim` naming what to release.
 */
export async function placeAndRun<T>(
  settings: OperationSettings,
  placement: Placement,
  candidates: string[],
  attempt: (host: string) => Promise<T>,
): Promise<T> {
  const { instanceUuid, resources } = placement;
  let claim = await conductorOn(settings).claimResources({ consumerUuid: instanceUuid, candidates, resources });
  placement.claim = claim;
  for (;;) {
    try {
      return await attempt(claim.host);
    } catch (err) {
      if (!isReschedulable(err)) throw err;
      log.warn('failed on a host, trying an alternate', { host: claim.host, error: String(err) });
      await releasePlacement(settings, instanceUuid, claim.host);
      placement.claim = undefined;
      claim = await claimNextAlternate(settings, claim, instanceUuid, resources);
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
