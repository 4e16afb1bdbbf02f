import type { z } from 'zod';
import type { UpdateDefinition } from '@temporalio/client';
import type { Sql } from 'postgres';
import { checkInstanceState, lockConflict, type StateRule } from '../../domain/guards';
import type { InstanceRow } from '../../domain/rows';
import { VmState } from '../../domain/states';
import type { InstanceOperationInput } from '../../workflows/inputs';
import type { RequestContext } from '../context';
import { InstanceInvalidState } from '../errors';
import { operationSummary } from '../operation-summary';
import type { Operations, StartedRun } from '../operations';
import { actionFinished } from '../queries/operation-progress';
import { getInstance } from '../queries/instances';
import type { ApiVersion } from '../microversion';
import type { PolicyName } from '../policy/rules';

export interface ActionCall {
  instance: InstanceRow;
  version: ApiVersion;
  /** `<scheme>://<host>` as the client called us, for links in replies. */
  baseUrl: string;
  ctx: RequestContext;
  operations: Operations;
  sql: Sql;
  /** Nova's service_down_time, for actions that need a host down (evacuate). */
  serviceDownTimeMs: number;
  /** The secret shared with the hosts that seals an admin password for them; none: changePassword is a 501. */
  guestSecret?: string | undefined;
}

export interface ActionReply {
  status: number;
  body?: unknown;
  /** A `Location` header (rebuild points at the server). */
  location?: string;
  /** Extra reply headers (createImage's `Location` before 2.45). */
  headers?: Record<string, string>;
}

/** One `POST /servers/{id}/action` key: its body schema (or one per microversion) and what it does. */
export interface ServerAction<S extends z.ZodType = z.ZodType> {
  key: string;
  /** The first microversion that has the action; before it the action is Nova's 404. */
  minVersion?: string;
  /** The policy rule the caller must pass, checked on the server's project after its lookup. */
  policy: PolicyName;
  /** The body's schema; at the latest microversion when the body changed across microversions. */
  schema: S;
  /** The body schema at a microversion, for actions whose fields come and go with it; `schema` otherwise. */
  schemaAt?(version: ApiVersion): z.ZodType<z.infer<S>>;
  handle(body: z.infer<S>, call: ActionCall): Promise<ActionReply>;
}

export function defineAction<S extends z.ZodType>(action: ServerAction<S>): ServerAction<S> {
  return action;
}

/** Nova's 409 when the instance is locked and the caller no admin; checked again atomically at admission. */
export function guardLock(rule: StateRule, call: Pick<ActionCall, 'instance' | 'ctx'>): void {
  const locked = lockConflict(rule, call.instance, call.ctx.isAdmin);
  if (locked) throw new InstanceInvalidState(locked);
}

/**
 * Nova's 409s, in its order: the lock, then the instance's state forbidding the action. Checked here first,
 * again atomically at admission.
 */
export function guardState(rule: StateRule, call: Pick<ActionCall, 'instance' | 'ctx'>): void {
  guardLock(rule, call);
  const { instance } = call;
  const notReady = !instance.host && !rule.hostOptional ? `Instance ${instance.uuid} is not ready` : null;
  if (notReady && rule.hostBeforeState) throw new InstanceInvalidState(notReady);
  const conflict = checkInstanceState(rule, instance);
  if (conflict) throw new InstanceInvalidState(conflict.message);
  if (notReady) throw new InstanceInvalidState(notReady);
}

/** Who asks, as workflows record it in the instance action; an admin is not held back by a lock. */
export function requesterOf(ctx: RequestContext): InstanceOperationInput['requester'] {
  return { requestId: ctx.requestId, userId: ctx.userId, projectId: ctx.projectId, isAdmin: ctx.isAdmin };
}

const TASK_STATE_POLLS = 10;

/**
 * The task_state to name in a 409. A request that lost the race may arrive before the winner's admission has
 * written its task_state: give it a moment so the message names what is going on.
 */
async function currentTaskState(sql: Sql, uuid: string, ctx: RequestContext): Promise<string | null> {
  for (let i = 0; i < TASK_STATE_POLLS; i++) {
    const task = (await getInstance(sql, uuid, ctx))?.task_state;
    if (task) return task;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}

/**
 * Starts an operation that may interrupt the one running on the instance (delete, evacuate, os-resetState): that
 * one is cancelled and rolls back first, then this one starts on the instance as the rollback left it.
 * `taskState` is the one this operation sets, named in the interrupted request's 409; none for a reset. An
 * operation that depends on the state the rollback leaves (a delete: soft or not) is chosen from it.
 */
export async function startInterrupting<I extends InstanceOperationInput>(
  call: ActionCall,
  op: InterruptingOperation<I> | ((instance: InstanceRow) => InterruptingOperation<I>),
): Promise<void> {
  const operationFor = (instance: InstanceRow) => (typeof op === 'function' ? op(instance) : op);
  const asked = operationFor(call.instance);
  // A lock that refuses this caller must leave the running operation alone.
  guardLock(asked.rule, call);
  await call.operations.cancelRunning(call.instance.uuid, asked.taskState);
  const instance = (await getInstance(call.sql, call.instance.uuid, call.ctx)) ?? call.instance;
  await startGuarded({ ...call, instance }, operationFor(instance));
}

/**
 * A request a run holding the instance's workflow ID may take itself (a restore or unshelve of a server waiting
 * for its reclaim or offload): handed to that run, which admits and carries it out; started as its own operation
 * when no such run takes it.
 */
export async function handOverOrStart<T, I extends InstanceOperationInput>(
  call: ActionCall,
  update: UpdateDefinition<void, [T]>,
  request: T,
  op: Parameters<typeof startGuarded<I>>[1],
): Promise<void> {
  if (await call.operations.handOver(call.instance.uuid, update, request)) return;
  await startGuarded(call, op);
}

type InterruptingOperation<I extends InstanceOperationInput> = Parameters<typeof startGuarded<I>>[1] & {
  taskState?: string;
};

/** Checks the state rule, then starts the operation's workflow and waits for its admission; returns its run. */
export async function startGuarded<I extends InstanceOperationInput>(
  call: ActionCall,
  op: {
    rule: StateRule;
    workflow: (input: I) => Promise<void>;
    input: (base: InstanceOperationInput) => I;
    operation: string;
    /** What the Temporal UI shows for the run; built by operationSummary otherwise. */
    summary?: string;
    /** For the summary: where the operation takes the server (`to host-c`) or what it makes of it. */
    target?: string | undefined;
    /** Reply only once the run has closed (operations that are done at admission). */
    awaitClose?: boolean;
  },
): Promise<StartedRun> {
  const { instance, ctx, operations } = call;
  guardState(op.rule, call);
  const inTaskState = (task: string) =>
    `Cannot '${op.rule.action}' instance ${instance.uuid} while it is in task_state ${task}`;
  const input: InstanceOperationInput = {
    instanceUuid: instance.uuid,
    requester: requesterOf(ctx),
    settings: operations.settings,
  };
  return operations.start({
    workflow: op.workflow,
    input: op.input(input),
    instanceUuid: instance.uuid,
    operation: op.operation,
    ctx,
    host: instance.host,
    summary:
      op.summary ??
      operationSummary({
        operation: op.operation,
        name: instance.name,
        host: instance.host,
        userId: ctx.userId,
        target: op.target,
      }),
    awaitClose: op.awaitClose ?? false,
    // A resize waiting in VERIFY_RESIZE has recorded its action's end but keeps its workflow open on purpose.
    hasFinished: async (runId) =>
      (await actionFinished(call.sql, instance.uuid, runId)) &&
      (await getInstance(call.sql, instance.uuid, ctx))?.vm_state !== VmState.Resized,
    busyMessage: async () => {
      const task = await currentTaskState(call.sql, instance.uuid, ctx);
      return task
        ? inTaskState(task)
        : `Cannot '${op.rule.action}' instance ${instance.uuid} while another operation is in progress`;
    },
    interruptedMessage: inTaskState,
  });
}
