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
