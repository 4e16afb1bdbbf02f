import {
  ServiceError,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
  type Client,
  type UpdateDefinition,
} from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TimeoutFailure } from '@temporalio/common';
import type { OperationSettings } from '../config';
import { FaultType } from '../domain/faults';
import { conductorQueue, instanceWorkflowId } from '../domain/naming';
import { HostKey, InstanceIdKey, OperationKey, ProjectIdKey, RequestIdKey } from '../domain/search-attributes';
import { admissionQuery, admissionUpdate } from '../workflows/admission';
import { hostHeartbeatWorkflow, hostWorkflowStart } from '../workflows/host-heartbeat';
import type { RequestContext } from './context';
import { AdmissionInterrupted, cancelRun, interruptionOf } from './interruptions';
import { operationDetails } from './operation-summary';
import {
  BadRequest,
  Forbidden,
  InstanceInvalidState,
  ItemNotFound,
  ServiceUnavailable,
  instanceNotFound,
} from './errors';

/** How long the API waits for the conductor to admit an operation before answering 503: long enough for a
 * burst of hundreds of requests queued behind one conductor on two cores (200 creates took 30 s and more). */
const ADMISSION_DEADLINE_MS = 60_000;
/** How long a task (a repair of a few hundred findings, a server update) may take before the API answers 503. */
const TASK_DEADLINE_MS = 60_000;
/** How long a delete waits for the running operation to roll back after cancelling it. */
const CANCEL_DEADLINE_MS = 60_000;
/** How long a request waits for an operation that has finished its work to close. */
const CLOSING_DEADLINE_MS = 5_000;

/** A run an operation started, as admitted. */
export interface StartedRun {
  workflowId: string;
  runId: string;
}

/** How a run ended, as far as a waiting request could tell. */
export type RunOutcome =
  | { ended: 'completed' }
  | { ended: 'failed'; failure: Error | undefined }
  | { ended: 'cancelled' }
  | { ended: 'running' };

const GRPC_DEADLINE_EXCEEDED = 4;

export interface OperationRequest<I> {
  workflow: (input: I) => Promise<void>;
  input: I;
  instanceUuid: string;
  /** The operation's name in search attributes and summaries (`stop`, `create`...). */
  operation: string;
  /**
   * A run beside the one holding the instance's workflow ID (trigger_crash_dump, which Nova gives no task_state),
   * under an ID of its own; the instance's ID otherwise.
   */
  workflowId?: string;
  ctx: RequestContext;
  /** The instance's host when the operation starts, so the run is found by `Host` from its first moment. */
  host?: string | null;
  summary: string;
  /** Nova's message when another operation holds the instance. */
  busyMessage: () => Promise<string>;
  /** Nova's message when an operation that sets `taskState` (delete: deleting) interrupted this one. */
  interruptedMessage?: (taskState: string) => string;
  /**
   * Whether the running operation (this run ID) has already recorded its end. Such a workflow only needs a
   * moment to close: a request arriving in that moment waits for it instead of getting a 409. One that has not
   * finished (or not even been admitted yet) is a real conflict.
   */
  hasFinished?: (runId: string) => Promise<boolean>;
  /**
   * Wait for the run to close, not only for its admission: for operations that are done once admitted (server
   * metadata), so the reply shows their result and the next request on the instance finds it free.
   */
  awaitClose?: boolean;
}

/**
 * Starts operations as workflows and waits only for their admission. The workflow ID is the instance's, with
 * conflict policy FAIL: Temporal itself refuses a second operation while one runs, and the conductor's
 * compare-and-set at admission refuses one the instance's state does not allow. Nothing here writes state,
 * so a crash of the API at any point leaves no instance stuck.
 */
export class Operations {
  constructor(
    private readonly client: Client,
    readonly settings: OperationSettings,
    /** How long runTask waits for its run (TASK_DEADLINE_MS unless a test watches one run out). */
    private readonly taskDeadlineMs = TASK_DEADLINE_MS,
  ) {}

  /** Starts the operation and waits for its admission; returns the admitted run. */
  async start<I>(req: OperationRequest<I>): Promise<StartedRun> {
    let run: StartedRun;
    try {
      run = await this.startOnce(req);
    } catch (err) {
      const rival = err instanceof WorkflowExecutionAlreadyStartedError && !req.workflowId;
      if (!rival || !(await this.isClosing(req))) {
        throw await this.translate(err, req);
      }
      await this.waitForClose(req.instanceUuid, CLOSING_DEADLINE_MS);
      run = await this.startOnce(req).catch(async (retryErr: unknown) => {
        throw await this.translate(retryErr, req);
      });
    }
    if (req.awaitClose) await this.waitForClose(req.instanceUuid, CLOSING_DEADLINE_MS);
    return run;
  }

  /** Whether the run holding the instance's ID is only closing: refused at admission, or done with its work. */
  private async isClosing<I>(req: OperationRequest<I>): Promise<boolean> {
    const handle = this.client.workflow.getHandle(instanceWorkflowId(this.settings.queuePrefix, req.instanceUuid));
    const running = await handle.describe().catch(() => undefined);
    if (!running || running.status.name !== 'RUNNING') return true;
    const admission = await this.client.connection
      .withDeadline(Date.now() + ADMISSION_DEADLINE_MS, () => handle.query(admissionQuery))
      .catch(() => undefined);
    if (admission === 'refused') return true;
    return admission === 'admitted' && (await req.hasFinished?.(running.runId)) === true;
  }

  private async startOnce<I>(req: OperationRequest<I>): Promise<StartedRun> {
    const workflowId = req.workflowId ?? instanceWorkflowId(this.settings.queuePrefix, req.instanceUuid);
    const startWorkflowOperation = new WithStartWorkflowOperation(req.workflow, {
      workflowId,
      taskQueue: conductorQueue(this.settings.queuePrefix),
      args: [req.input] as [I],
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [
        { key: InstanceIdKey, value: req.instanceUuid },
        { key: OperationKey, value: req.operation },
        { key: ProjectIdKey, value: req.ctx.projectId },
        { key: RequestIdKey, value: req.ctx.requestId },
        ...(req.host ? [{ key: HostKey, value: req.host }] : []),
      ],
      memo: { requestId: req.ctx.requestId, userId: req.ctx.userId, projectId: req.ctx.projectId },
      staticSummary: req.summary,
      staticDetails: operationDetails({ instanceUuid: req.instanceUuid, ...req.ctx }),
    });
    try {
      await this.client.connection.withDeadline(Date.now() + ADMISSION_DEADLINE_MS, () =>
        this.client.workflow.executeUpdateWithStart(admissionUpdate, { startWorkflowOperation }),
      );
    } catch (err) {
      throw await interruptionOf(err, () => startWorkflowOperation.workflowHandle());
    }
    // With conflict policy FAIL the run is always the one this start created; the SDK's type omits its run ID.
    const handle = (await startWorkflowOperation.workflowHandle()) as { firstExecutionRunId?: string };
    return { workflowId, runId: handle.firstExecutionRunId ?? '' };
  }

  private async waitForClose(instanceUuid: string, deadlineMs: number): Promise<void> {
    const handle = this.client.workflow.getHandle(instanceWorkflowId(this.settings.queuePrefix, instanceUuid));
    await this.client.connection.withDeadline(Date.now() + deadlineMs, () => handle.result()).catch(() => undefined);
  }

  /**
   * Sends a decision (confirm, revert...) to the instance's running operation. A workflow that is not running,
   * or whose validator refuses, becomes `refused`; the update is not recorded then.
   */
  async update<T>(
    instanceUuid: string,
    update: UpdateDefinition<void, [T]>,
    arg: T,
    refused: () => Error,
  ): Promise<void> {
    if (!(await this.handOver(instanceUuid, update, arg))) throw refused();
  }

  /**
   * Sends a change to a compute host's workflow, which has the conductor write it (os-services): the API never
   * writes the hosts table itself. Update-with-start, so a host whose workflow is not running still gets it.
   */
  async updateHost<T>(host: string, update: UpdateDefinition<void, [T]>, arg: T): Promise<void> {
    const startWorkflowOperation = new WithStartWorkflowOperation(hostHeartbeatWorkflow, {
      ...hostWorkflowStart(this.settings, host),
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    try {
      await this.client.connection.withDeadline(Date.now() + ADMISSION_DEADLINE_MS, () =>
        this.client.workflow.executeUpdateWithStart(update, { args: [arg] as [T], startWorkflowOperation }),
      );
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        if (err.cause.type === FaultType.ServiceUpdateRefused) throw new BadRequest(err.cause.message);
        if (err.cause.type === FaultType.HostNotFound) throw new ItemNotFound(err.cause.message);
      }
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
        throw new ServiceUnavailable('The host did not answer in time; the change may still apply. Check the service.');
      }
      throw err;
    }
  }

  /**
   * How one run ended, waiting at most `deadlineMs` (changePassword answers as Nova's synchronous call does):
   * `running` when it has not ended by then. Only that run, never a later one under the same workflow ID.
   */
  async outcomeOf(run: StartedRun, deadlineMs: number): Promise<RunOutcome> {
    const handle = this.client.workflow.getHandle(run.workflowId, run.runId, { followRuns: false });
    try {
      await this.client.connection.withDeadline(Date.now() + deadlineMs, () => handle.result());
      return { ended: 'completed' };
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        if (err.cause instanceof CancelledFailure) return { ended: 'cancelled' };
        return { ended: 'failed', failure: err.cause };
      }
      // The client wraps a result's history read failing in a ServiceError with the gRPC error as its cause.
      const grpc = err instanceof ServiceError ? err.cause : err;
      if (isGrpcServiceError(grpc) && grpc.code === GRPC_DEADLINE_EXCEEDED) return { ended: 'running' };
      throw err;
    }
  }

  /**
   * Hands a request to the operation holding the instance's workflow ID (a decision; a restore, unshelve or
   * offload of a server waiting for its reclaim or offload, which that run admits and carries out). True once its
   * update completed; false when no run is there or its validator or handler refused it (nothing is recorded
   * then); a conductor's refusal in the handler (a restore over the quota, a lock) is Nova's error.
   */
  async handOver<T>(instanceUuid: string, update: UpdateDefinition<void, [T]>, arg: T): Promise<boolean> {
    const handle = this.client.workflow.getHandle(instanceWorkflowId(this.settings.queuePrefix, instanceUuid));
    try {
      await this.client.connection.withDeadline(Date.now() + ADMISSION_DEADLINE_MS, () =>
        handle.executeUpdate(update, { args: [arg] as [T] }),
      );
      return true;
    } catch (err) {
      const refused = conductorRefusal(err, instanceUuid);
      if (refused) throw refused;
      if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError) return false;
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
        throw new ServiceUnavailable('The operation did not answer in time. Check the server and try again.');
      }
      throw err;
    }
  }

  /**
   * Runs a task under a workflow ID of its own on the conductor queue and returns its result: an admin task
   * (the allocation repair) or a change that needs no hold on the instance (a server update, whose
   * `instanceUuid` then goes into the search attributes). 503 when it does not end in time; an admin task may
   * still finish under its workflow ID, one with `endsWithRequest` times out with the request, so a change the
   * caller was told is unavailable lands, if at all, within moments of that answer, never later over a newer one.
   */
  async runTask<I, R>(task: {
    workflow: (input: I) => Promise<R>;
    input: I;
    workflowId: string;
    operation: string;
    ctx: RequestContext;
    summary: string;
    instanceUuid?: string;
    endsWithRequest?: boolean;
  }): Promise<R> {
    const { ctx } = task;
    // A deadline that runs out becomes a 503 in api/errors.ts.
    const run = this.client.connection.withDeadline(Date.now() + this.taskDeadlineMs, () =>
      this.client.workflow.execute(task.workflow, {
        workflowId: task.workflowId,
        taskQueue: conductorQueue(this.settings.queuePrefix),
        args: [task.input] as [I],
        ...(task.endsWithRequest ? { workflowExecutionTimeout: this.taskDeadlineMs } : {}),
        typedSearchAttributes: [
          ...(task.instanceUuid ? [{ key: InstanceIdKey, value: task.instanceUuid }] : []),
          { key: OperationKey, value: task.operation },
          { key: ProjectIdKey, value: ctx.projectId },
          { key: RequestIdKey, value: ctx.requestId },
        ],
        memo: { requestId: ctx.requestId, userId: ctx.userId, projectId: ctx.projectId },
        staticSummary: task.summary,
        ...(task.instanceUuid ? { staticDetails: operationDetails({ instanceUuid: task.instanceUuid, ...ctx }) } : {}),
      }),
    );
    return run.catch((err: unknown) => {
      if (err instanceof WorkflowFailedError && err.cause instanceof TimeoutFailure) {
        throw new ServiceUnavailable('The change was not written in time and has been abandoned. Try again.');
      }
      throw err;
    });
  }

  /**
   * Cancels the instance's running operation, if any, and waits until its compensation has finished.
   * `taskState` is the one the interrupting operation is about to set, if any: a request still waiting for the
   * cancelled run's admission names it in its 409.
   */
  async cancelRunning(instanceUuid: string, taskState?: string): Promise<void> {
    const workflowId = instanceWorkflowId(this.settings.queuePrefix, instanceUuid);
    const description = await this.client.workflow
      .getHandle(workflowId)
      .describe()
      .catch(() => undefined);
    if (description?.status.name !== 'RUNNING') return;
    await cancelRun(this.client, { workflowId, runId: description.runId }, taskState);
    await this.waitForClose(instanceUuid, CANCEL_DEADLINE_MS);
  }

  private async translate<I>(err: unknown, req: OperationRequest<I>): Promise<Error> {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return new InstanceInvalidState(await req.busyMessage());
    if (err instanceof AdmissionInterrupted) {
      const { taskState } = err;
      const message = taskState && req.interruptedMessage ? req.interruptedMessage(taskState) : undefined;
      return new InstanceInvalidState(message ?? (await req.busyMessage()));
    }
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      return new ServiceUnavailable('The operation was not admitted in time; it may still run. Check the server.');
    }
    const refused = conductorRefusal(err, req.instanceUuid);
    if (refused) return refused;
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** The API error for a conductor's refusal (an admission's, carried by a failed update), if it is one. */
function conductorRefusal(err: unknown, instanceUuid: string): Error | undefined {
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const { type, message } = err.cause;
  if (type === FaultType.InstanceInvalidState) return new InstanceInvalidState(message);
  if (type === FaultType.InstanceNotFound) return instanceNotFound(instanceUuid);
  if (type === FaultType.QuotaExceeded) return new Forbidden(message);
  if (type === FaultType.ComputeServiceInUse) return new BadRequest(message);
  return undefined;
}
