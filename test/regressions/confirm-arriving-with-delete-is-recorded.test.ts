import { randomUUID } from 'node:crypto';
import { isGrpcServiceError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { instanceWorkflowId } from '../../domain/naming';
import { waitFor } from '../../worker/infra/ports';
import { confirmResizeUpdate } from '../../workflows/resize/messages';
import { actionOf } from '../support/instance-actions';
import { migrationsOf, resizedServer } from '../support/move-crash';
import { useTestStack } from '../support/use-test-stack';

// Found by the chaos run ("confirmResize answered 204 but never recorded"): a confirmResize and a delete's
// cancellation reached the resize run in the same workflow activation, and the cancellation path replaced the
// user's decision with an implicit confirm under a request id of its own: the user's request had no instance
// action. Now the decision answered in that moment runs as answered (patched `decision-before-delete`). The race is
// made here by keeping the conductor (the only workflow worker) away while both arrive.
const SRC = 'host-a';
const DST = 'host-b';
const env = useTestStack({ hosts: [{ name: SRC, vcpus: 64, memoryMb: 65536 }, { name: DST }] });
const ADMITTED =
  temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED;
const GRPC_NOT_FOUND = 5;
const TASK_COMPLETED = temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED;

/** Resolves once the Temporal server holds the update for the run (it waits there for a worker). */
async function waitForAdmitted(workflowId: string, updateId: string): Promise<void> {
  const { client } = env.stack;
  await waitFor(`update ${updateId} admitted`, async () => {
    try {
      await client.workflowService.pollWorkflowExecutionUpdate({
        namespace: client.options.namespace,
        updateRef: { workflowExecution: { workflowId }, updateId },
        identity: client.options.identity,
        waitPolicy: { lifecycleStage: ADMITTED },
      });
      return true;
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND) return false;
      throw err;
    }
  });
}

it('records a confirmResize that arrives with a delete under its own request id, then deletes the server', async () => {
  const { stack, api } = env;
  const id = await resizedServer(api, 'confirm-and-delete', SRC, DST);
  const workflowId = instanceWorkflowId(stack.prefix, id);
  const handle = stack.client.workflow.getHandle(workflowId);

  await stack.stopConductor();
  // The confirm as the API sends it (the API itself would wait for the answer, which nobody gives now).
  const requestId = `req-${randomUUID()}`;
  const updateId = randomUUID();
  const confirmed = handle.executeUpdate(confirmResizeUpdate, {
    args: [{ requestId, userId: 'admin', projectId: 'admin' }],
    updateId,
  });
  await waitForAdmitted(workflowId, updateId);
  // The delete cancels the run, then waits for it to close before it starts.
  const deleted = api.delete(`/v2.1/servers/${id}`);
  await waitFor('the delete to cancel the resize run', async () =>
    (await handle.fetchHistory()).events!.some((e) => e.workflowExecutionCancelRequestedEventAttributes),
  );
  await stack.startConductor();

  await expect(confirmed).resolves.toBeUndefined();
  // The race itself: the workflow task that saw the cancellation also accepted the confirm.
  const events = (await handle.fetchHistory()).events!;
  const cancelAt = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
  const acceptedAt = events.findIndex(
    (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId === updateId,
  );
  expect(acceptedAt).toBeGreaterThan(cancelAt);
  expect(events.slice(cancelAt, acceptedAt).filter((e) => e.eventType === TASK_COMPLETED)).toHaveLength(1);
  expect((await deleted).status).toBe(204);
  await api.waitForGone(id, 60_000);
  expect(await actionOf(api, id, requestId)).toMatchObject({ action: 'confirmResize', message: null });
  const actions = await stack.sql<{ request_id: string; finish_time: Date | null }[]>`
    SELECT request_id, finish_time FROM instance_actions WHERE instance_uuid = ${id} AND action = 'confirmResize'`;
  expect(actions).toEqual([{ request_id: requestId, finish_time: expect.any(Date) }]);
  expect((await migrationsOf(api, id)).map((m) => m.status)).toEqual(['confirmed']);
});
