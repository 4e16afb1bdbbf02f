import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, isGrpcServiceError, type Client, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';

const GRPC_NOT_FOUND = 5;

/**
 * The operation's run was cancelled (a delete or an evacuate interrupted it) before the conductor admitted it.
 * `taskState` is the one the interrupting operation sets, when it said so in its cancel request.
 */
export class AdmissionInterrupted extends Error {
  constructor(readonly taskState: string | undefined) {
    super(`The operation was interrupted before its admission${taskState ? ` (task_state ${taskState})` : ''}`);
  }
}

/**
 * Cancels one run and names the task_state of the operation that interrupts it as the request's reason: it lands
 * in the run's history, where the interrupted request's API finds it to answer Nova's 409 (which names the
 * interrupter's task_state, as Nova's API, which sets it before anything else, would). A run that has closed in
 * the meantime needs no cancelling.
 */
export async function cancelRun(
  client: Client,
  execution: { workflowId: string; runId: string },
  interruptingTaskState: string | undefined,
): Promise<void> {
  try {
    await client.workflowService.requestCancelWorkflowExecution({
      namespace: client.options.namespace,
      identity: client.options.identity,
      requestId: randomUUID(),
      workflowExecution: execution,
      reason: interruptingTaskState ?? '',
    });
  } catch (err) {
    if (!isGrpcServiceError(err) || err.code !== GRPC_NOT_FOUND) throw err;
  }
}

/**
 * An admission update that failed because its run was cancelled becomes AdmissionInterrupted, with the task_state
 * the canceller named; any other error is returned as it is.
 */
export async function interruptionOf(err: unknown, run: () => Promise<WorkflowHandle>): Promise<unknown> {
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof CancelledFailure)) return err;
  const handle = await run();
  const history = await handle.fetchHistory().catch(() => undefined);
  const cancel = history?.events?.find((event) => event.workflowExecutionCancelRequestedEventAttributes);
  return new AdmissionInterrupted(cancel?.workflowExecutionCancelRequestedEventAttributes?.cause || undefined);
}
