import { serverTaskWorkflowId, type ServerTask } from '../domain/naming';
import type { RequestContext } from './context';
import { ItemNotFound } from './errors';
import type { Operations } from './operations';

/** Nova's message when the server goes between its lookup and the write. */
export const serverGone = (): ItemNotFound => new ItemNotFound('Instance could not be found');

/** A server task: one conductor write in a run of its own beside the operation holding the server. */
export interface ServerTaskRun<I, R> {
  task: ServerTask;
  workflow: (input: I) => Promise<R>;
  input: I;
  instance: { uuid: string };
  ctx: RequestContext;
  summary: string;
}

/**
 * Runs a server task under `instance-<uuid>-<task>-<request id>` and returns its result. It times out with the
 * request (503): a write the caller was told is unavailable lands, if at all, within moments of that answer.
 */
export function startServerTask<I, R>(operations: Operations, task: ServerTaskRun<I, R>): Promise<R> {
  const { instance, ctx } = task;
  return operations.runTask({
    workflow: task.workflow,
    input: task.input,
    workflowId: serverTaskWorkflowId(operations.settings.queuePrefix, instance.uuid, task.task, ctx.requestId),
    instanceUuid: instance.uuid,
    operation: task.task,
    ctx,
    endsWithRequest: true,
    summary: task.summary,
  });
}

/** A server task (update, lock, unlock, a cleared password) whose run says whether the server was there: 404 if not. */
export async function runServerTask<I>(operations: Operations, task: ServerTaskRun<I, boolean>): Promise<void> {
  if (!(await startServerTask(operations, task))) throw serverGone();
}
