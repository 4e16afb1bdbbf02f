import { serverTaskWorkflowId, type ServerTask } from '../domain/naming';
import type { RequestContext } from './context';
import { ItemNotFound } from './errors';
import type { Operations } from './operations';

/** Nova's message when the server goes between its lookup and the write. */
export const serverGone = (): ItemNotFound => new ItemNotFound('Instance could not be found');

/**
 * Runs a server task (update, lock, unlock): one conductor write in a run of its own beside the operation holding
 * the server, under `instance-<uuid>-<task>-<request id>`, timed out with the request. 404 when the server went.
 */
export async function runServerTask<I>(
  operations: Operations,
  task: {
    task: ServerTask;
    workflow: (input: I) => Promise<boolean>;
    input: I;
    instance: { uuid: string };
    ctx: RequestContext;
    summary: string;
  },
): Promise<void> {
  const { instance, ctx } = task;
  const found = await operations.runTask({
    workflow: task.workflow,
    input: task.input,
    workflowId: serverTaskWorkflowId(operations.settings.queuePrefix, instance.uuid, task.task, ctx.requestId),
    instanceUuid: instance.uuid,
    operation: task.task,
    ctx,
    endsWithRequest: true,
    summary: task.summary,
  });
  if (!found) throw serverGone();
}
