import { ApplicationFailure } from '@temporalio/common';
import { FaultType } from '../../domain/faults';

/** The admission refused the operation: the API turns this into Nova's 409. */
export function invalidState(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, FaultType.InstanceInvalidState);
}

export function instanceGone(uuid: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`Instance ${uuid} could not be found.`, FaultType.InstanceNotFound);
}
