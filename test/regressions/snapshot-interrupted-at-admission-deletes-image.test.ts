import { expectAuditClean } from '../support/audit';
import { actionOf } from '../support/instance-actions';
import { deleteWhileHeld, expectImageGone, holdInstanceRow, waitForLockWaiters } from '../support/interrupt';
import { useTestStack } from '../support/use-test-stack';

// Found by the chaos run ("snapshot images still queued"): a delete cancelled a createImage while its admission,
// which creates the snapshot's image record `queued`, was in flight. The admission committed after the run had
// closed, so the run's rollback (which deletes the image, as Nova's delete_image_on_error) never ran: the image
// stayed queued for good, listed to its owner, and the createImage action unfinished. The delete now deletes it.
const env = useTestStack({ hosts: [{ name: 'host-a' }] });

it('a createImage cancelled at its admission leaves no image behind', async () => {
  const id = await env.api.createServer({ name: 'snapped' });
  await env.api.waitForStatus(id, 'ACTIVE');
  const held = await holdInstanceRow(env.stack.sql, id);
  const snapshot = env.api.action(id, { createImage: { name: 'never-uploaded' } });
  await waitForLockWaiters(env.stack.sql, 1);

  const deleted = await deleteWhileHeld(env.stack, env.api, id, held);
  expect(deleted.status).toBe(204);
  await env.api.waitForGone(id, 60_000);

  const requestId = (await snapshot).headers.get('x-openstack-request-id')!;
  expect(await actionOf(env.api, id, requestId)).toMatchObject({ action: 'createImage', message: 'Error' });
  // The admission did create the record (the client may never have seen its id): it is gone, and not listed.
  const [image] = await env.stack.sql`SELECT id FROM images WHERE name = 'never-uploaded'`;
  expect(image).toBeDefined();
  await expectImageGone(env.api, image!['id']);
  const listed = await env.api.withHeaders({ Accept: 'application/json' }).get('/image/v2/images?name=never-uploaded');
  expect(listed.body.images).toEqual([]);
  await expectAuditClean(env.api);
});
