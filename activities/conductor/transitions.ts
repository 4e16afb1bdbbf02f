import { ApplicationFailure } from '@temporalio/common';
import { recordedFault, type InstanceFault } from '../../domain/faults';
import type { InstanceRow } from '../../domain/rows';
import { VmState } from '../../domain/states';
import type { Queryable, Sql } from './db';
import { instanceGone } from './errors';
import { recordEvents, type ActionEvent } from './events';
import { operationSeconds, operationsFinished } from './metrics';

export interface TaskStep {
  instanceUuid: string;
  /** Steps of the instance action this write starts or finishes (needs requestId). */
  events?: readonly ActionEvent[];
  requestId?: string;
  /** The task_state this step expects to find: Nova's expected_task_state. */
  expected: string | null;
}

export interface TaskAdvance extends TaskStep {
  next: string;
  host?: string;
  /** Also moves the vm_state (a rebuilt instance that was stopped: active and powering-off, as in Nova). */
  vmState?: string;
  powerState?: number;
  /** Sets launched_at to now (a guest was spawned). */
  launched?: boolean;
}

export interface TaskFinish extends TaskStep {
  requestId: string;
  vmState: string;
  powerState: number;
  launched?: boolean;
  /**
   * A new admin password, encrypted with the server's ssh-rsa key, for os-server-password; null clears the one
   * stored, which no longer opens the server. Absent: left as it is.
   */
  serverPassword?: string | null;
}

export interface TaskFailure extends TaskStep {
  requestId: string;
  fault: InstanceFault;
  /** The vm_state to leave; unchanged when absent (Nova's rule for stop/start failures). */
  vmState?: string;
  powerState?: number;
  /**
   * Later task_states of the same operation the instance may show instead of `expected`: when a cancellation (a
   * delete) interrupts the workflow while a step that advances the task is in flight, that step may still land
   * after the workflow moved on to its compensation, which must clear the task all the same. Every failure also
   * accepts whatever task_state the instance shows while the operation's own action is the instance's newest
   * (no later operation has taken the instance), so no workflow needs to list its states for that.
   */
  orLater?: readonly string[];
}

/**
 * Compare-and-set on task_state. Zero rows means either a retried activity (the row already shows `done`) or a
 * real conflict, which would be a bug: one workflow owns an instance at a time.
 */
export async function compareAndSet(
  sql: Queryable,
  step: TaskStep,
  update: (tx: Queryable) => Promise<InstanceRow[]>,
  done: (row: InstanceRow) => boolean,
  /**
   * Writes of the same step sent right behind the update, in the same round trip (pipelined): the caller's
   * transaction rolls them back with the update when the compare-and-set finds a conflict.
   */
  alongside?: () => Promise<unknown>,
): Promise<InstanceRow> {
  const [[row]] = await Promise.all([update(sql), alongside?.()]);
  if (row) return row;
  const [current] = await sql<InstanceRow[]>`SELECT * FROM instances WHERE uuid = ${step.instanceUuid}`;
  if (!current) throw instanceGone(step.instanceUuid);
  if (done(current)) return current;
  throw ApplicationFailure.nonRetryable(
    `Instance ${step.instanceUuid} changed under its operation: expected task_state ${step.expected}, ` +
      `found ${current.task_state}`,
    'UnexpectedTaskState',
  );
}

/**
 * Moves the task_state on. advanceTask, finishTask and failTask, the most frequent steps, return nothing: no
 * workflow reads the row, and each result would be stored in the history (~760 bytes of JSON), in the step log,
 * and carried through the server and both workers.
 */
export async function advanceTask(sql: Sql, step: TaskAdvance): Promise<void> {
  await sql.begin(async (tx) => {
    await advanceInTransaction(tx, step);
  });
}

/** advanceTask inside the caller's transaction, for steps that change more than the instance. */
export async function advanceInTransaction(tx: Queryable, step: TaskAdvance): Promise<InstanceRow> {
  const row = await compareAndSet(
    tx,
    step,
    (q) => q<InstanceRow[]>`
      UPDATE instances
      SET task_state = ${step.next}, host = COALESCE(${step.host ?? null}, host),
          node = COALESCE(${step.host ?? null}, node), vm_state = COALESCE(${step.vmState ?? null}, vm_state),
          power_state = COALESCE(${step.powerState ?? null}, power_state),
          launched_at = CASE WHEN ${step.launched ?? false} THEN now() ELSE launched_at END, updated_at = now()
      WHERE uuid = ${step.instanceUuid} AND NOT deleted AND task_state IS NOT DISTINCT FROM ${step.expected}
      RETURNING *`,
    (r) => r.task_state === step.next,
    () => (step.requestId ? recordEvents(tx, step.instanceUuid, step.requestId, step.events) : Promise.resolve()),
  );
  return row;
}

type ClosedAction = { action: string; seconds: number; first: boolean } | undefined;

/** Closes the instance action; what it returns is counted by countClosed once the step has committed to it. */
async function closeAction(sql: Queryable, instanceUuid: string, requestId: string, failed: boolean) {
  const [closed] = await sql<NonNullable<ClosedAction>[]>`
    WITH before AS (
      SELECT id, finish_time IS NULL AS first FROM instance_actions
      WHERE instance_uuid = ${instanceUuid} AND request_id = ${requestId} FOR UPDATE)
    UPDATE instance_actions a
    SET finish_time = COALESCE(a.finish_time, now()), updated_at = now(),
        message = CASE WHEN ${failed} THEN 'Error' ELSE a.message END
    FROM before WHERE a.id = before.id
    RETURNING a.action, extract(epoch FROM a.finish_time - a.start_time)::float8 AS seconds, before.first`;
  return closed;
}

function countClosed(closed: ClosedAction, failed: boolean): void {
  // Counted once per action: a retried activity finds the action already closed.
  if (closed?.first) {
    operationsFinished.inc({ action: closed.action, outcome: failed ? 'error' : 'success' });
    operationSeconds.observe({ action: closed.action }, closed.seconds);
  }
}

export async function finishAction(sql: Queryable, instanceUuid: string, requestId: string, failed: boolean) {
  countClosed(await closeAction(sql, instanceUuid, requestId, failed), failed);
}

/**
 * The end of an operation in the same round trip as its compare-and-set: the last events and the action's close
 * go right behind the update (see compareAndSet); the close is counted once the update has held.
 */
async function endWith(
  tx: Queryable,
  step: TaskStep & { requestId: string },
  failed: boolean,
  cas: (alongside: () => Promise<unknown>) => Promise<InstanceRow>,
): Promise<InstanceRow> {
  let closed: ClosedAction;
  const row = await cas(() =>
    Promise.all([
      recordEvents(tx, step.instanceUuid, step.requestId, step.events),
      closeAction(tx, step.instanceUuid, step.requestId, failed).then((c) => (closed = c)),
    ]),
  );
  countClosed(closed, failed);
  return row;
}

export async function finishTask(sql: Sql, step: TaskFinish): Promise<void> {
  await sql.begin(async (tx) => {
    await endWith(tx, step, false, (alongside) =>
      compareAndSet(
        tx,
        step,
        (q) => q<InstanceRow[]>`
          UPDATE instances
          SET vm_state = ${step.vmState}, power_state = ${step.powerState}, task_state = NULL,
              progress = CASE WHEN ${step.vmState} = ${VmState.Active} THEN 100 ELSE progress END,
              launched_at = CASE WHEN ${step.launched ?? false} THEN now() ELSE launched_at END,
              server_password = CASE WHEN ${step.serverPassword !== undefined} THEN ${step.serverPassword ?? null}::text
                                     ELSE server_password END,
              fault = NULL, updated_at = now()
          WHERE uuid = ${step.instanceUuid} AND NOT deleted AND task_state IS NOT DISTINCT FROM ${step.expected}
          RETURNING *`,
        (r) => r.task_state === null && r.vm_state === step.vmState,
        alongside,
      ),
    );
  });
}

/** Ends an operation that failed: task_state cleared, fault stored, the instance action marked Error. */
export async function failTask(sql: Sql, step: TaskFailure): Promise<void> {
  await sql.begin(async (tx) => {
    await failInTransaction(tx, step);
  });
}

/** failTask inside the caller's transaction, for failures that undo more than the instance's state. */
export async function failInTransaction(tx: Queryable, step: TaskFailure): Promise<InstanceRow> {
  const fault = recordedFault(step.fault);
  return endWith(tx, step, true, (alongside) =>
    compareAndSet(
      tx,
      step,
      (q) => q<InstanceRow[]>`
      UPDATE instances
      SET task_state = NULL, vm_state = COALESCE(${step.vmState ?? null}, vm_state),
          power_state = COALESCE(${step.powerState ?? null}, power_state),
          fault = ${q.json(fault)}, updated_at = now()
      WHERE uuid = ${step.instanceUuid} AND NOT deleted
        AND (task_state IS NOT DISTINCT FROM ${step.expected} OR task_state = ANY(${[...(step.orLater ?? [])]}::text[])
             OR ${step.requestId} = (SELECT request_id FROM instance_actions WHERE instance_uuid = ${step.instanceUuid}
                                     ORDER BY id DESC LIMIT 1))
      RETURNING *`,
      (r) => r.task_state === null,
      alongside,
    ),
  );
}
