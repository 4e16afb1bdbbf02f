import { ActivityFailure, ApplicationFailure, TimeoutFailure, isCancellation } from '@temporalio/workflow';
import { FaultType, type InstanceFault } from '../domain/faults';

/** The ApplicationFailure type behind an activity failure, if any. */
export function failureType(err: unknown): string | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause.type ?? undefined;
  if (err instanceof ApplicationFailure) return err.type ?? undefined;
  return undefined;
}

/** A host that never picked up its task: dead, or not running its worker. */
export function isHostUnreachable(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure;
}

/** What failed the step itself: running out of alternates is caused by the last host's own failure. */
export function stepFailure(err: unknown): unknown {
  return failureType(err) === FaultType.MaxRetriesExceeded && err instanceof Error && err.cause ? err.cause : err;
}

/** What an operation records as its failure when a delete or an evacuation cancelled its run. */
export const INTERRUPTED_MESSAGE =
  'The operation was interrupted: a delete (or an evacuation) of the server cancelled it';

export function failureMessage(err: unknown): string {
  // Only a delete or an evacuation cancels an operation; the SDK's words for it (none, or "Activity cancelled"
  // for a local activity) do not say so.
  if (isCancellation(err)) return INTERRUPTED_MESSAGE;
  return err instanceof ActivityFailure && err.cause
    ? err.cause.message
    : err instanceof Error
      ? err.message
      : String(err);
}

/** What gets stored as the instance fault (Nova truncates messages to 255 characters). */
export function faultFrom(err: unknown, code = 500): InstanceFault {
  const message = failureMessage(err).slice(0, 255);
  return { code, message, details: failureType(err) ?? '' };
}

/**
 * What a workflow rethrows: cancellation as it is (the run shows Cancelled), everything else as an
 * ApplicationFailure, since any other error would fail the workflow task and retry it forever.
 */
export function asWorkflowFailure(err: unknown): Error {
  if (err instanceof ApplicationFailure || (isCancellation(err) && err instanceof Error)) return err;
  return ApplicationFailure.create({
    message: failureMessage(err),
    type: failureType(err) ?? 'OperationFailed',
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
  });
}
