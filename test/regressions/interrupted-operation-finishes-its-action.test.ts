import { HypervisorStep } from '../../activities/compute/fault-switches';
import { INTERRUPTED_MESSAGE } from '../../workflows/failures';
import { expectAuditClean } from '../support/audit';
import { actionOf } from '../support/instance-actions';
import { deleteWhileHeld, expectImageGone, holdInstanceRow, waitForLockWaiters } from '../support/interrupt';
import { useTestStack } from '../support/use-test-stack';

// Found by the chaos run ("create, resize, unpause, shelve actions never finished"): a delete cancels the
// operation running on the server while one of its conductor steps is in flight. Either the step was its
// admission, which committed (task_state set, action recorded) after the run had already closed, so no rollback
// of that run ever saw it; or the step advanced the task_state after the run had moved on to its rollback, whose
// compare-and-set then expected the older state and failed. Both left the interrupted operation's instance action
// unfinished for good, its events open. Now the rollback accepts the operation's later task states (its action is
// the instance's newest), and the delete's conductor steps close whatever an interrupted operation left open.
const env = useTestStack({ hosts: [{ name: 'host-a' }] });

async function activeServer(name: string): Promise<string> {
  const id = await env.api.createServer({ name });
  await env.api.waitForStatus(id, 'ACTIVE');
  return id;
}

/** The interrupted action, read after the delete: ended in Error, every event of it finished in Error. */
async function expectEndedInError(id: string, requestId: string, action: string): Promise<any> {
  const read = await actionOf(env.api, id, requestId);
  expect(read).toMatchObject({ action, message: 'Error' });
  expect(read.events.length).toBeGreaterThan(0);
  for (const event of read.events) {
    expect(event).toMatchObject({ result: 'Error', finish_time: expect.any(String) });
  }
  const [row] = await env.stack.sql`SELECT finish_time FROM instance_actions WHERE request_id = ${requestId}`;
  expect(row?.['finish_time']).not.toBeNull();
  return read;
}

async function expectDeleted(id: string, deleteReply: { status: number; headers: Headers }): Promise<void> {
  expect(deleteReply.status).toBe(204);
  await env.api.waitForGone(id, 60_000);
  const requestId = deleteReply.headers.get('x-openstack-request-id')!;
  expect(await actionOf(env.api, id, requestId)).toMatchObject({ action: 'delete', message: null });
  expect(await env.stack.hypervisor('host-a').getGuest(id)).toBeUndefined();
  await expectAuditClean(env.api);
}

it('finishes an unpause whose admission committed after the delete had cancelled its run', async () => {
  const id = await activeServer('unpause-held');
  expect((await env.api.action(id, { pause: null })).status).toBe(202);
  await env.api.waitForStatus(id, 'PAUSED');

  const held = await holdInstanceRow(env.stack.sql, id);
  const unpause = env.api.action(id, { unpause: null });
  await waitForLockWaiters(env.stack.sql, 1);
  const deleted = await deleteWhileHeld(env.stack, env.api, id, held);
  const requestId = (await unpause).headers.get('x-openstack-request-id')!;

  await expectDeleted(id, deleted);
  const read = await expectEndedInError(id, requestId, 'unpause');
  expect(read.events.map((e: any) => e.event)).toEqual(['compute_unpause_instance']);
});

it('finishes a shelve whose task step landed after its rollback had begun, and deletes its image', async () => {
  const id = await activeServer('shelve-held');
  // The power-off hangs; the rows are taken, then the power-off goes on and the next step waits for them.
  await env.stack.hypervisor('host-a').faults.set(HypervisorStep.PowerOff, { mode: 'hang' });
  const reply = await env.api.action(id, { shelve: null });
  expect(reply.status).toBe(202);
  const requestId = reply.headers.get('x-openstack-request-id')!;
  await env.api.waitForServer(id, (s) => s['OS-EXT-STS:task_state'] === 'shelving');
  const held = await holdInstanceRow(env.stack.sql, id);
  await env.stack.hypervisor('host-a').faults.clear(HypervisorStep.PowerOff);
  await waitForLockWaiters(env.stack.sql, 1);

  const deleting = env.api.delete(`/v2.1/servers/${id}`);
  // The step (shelving → shelving_image_pending_upload) and the rollback's failure both wait for the rows.
  await waitForLockWaiters(env.stack.sql, 2);
  await held.release();
  await expectDeleted(id, await deleting);

  const read = await expectEndedInError(id, requestId, 'shelve');
  // Finished by the shelve's own rollback, with the cancellation that interrupted it.
  expect(read.events).toEqual([
    expect.objectContaining({ event: 'compute_shelve_instance', traceback: INTERRUPTED_MESSAGE }),
  ]);
  const [image] = await env.stack.sql`SELECT id FROM images WHERE name = 'shelve-held-shelved'`;
  await expectImageGone(env.api, image?.['id']);
});
