import { expectAuditClean } from '../support/audit';
import { ApiClient } from '../support/http';
import { actionOf, deleteWhileHeld, expectImageGone, holdRows, waitForLockWaiters } from '../support/interrupt';
import { startTestStack, type TestStack } from '../support/test-stack';

// Found by the chaos run ("snapshot images still queued"): a delete cancelled a createImage while its admission,
// which creates the snapshot's image record `queued`, was in flight. The admission committed after the run had
// closed, so the run's rollback (which deletes the image, as Nova's delete_image_on_error) never ran: the image
// stayed queued for good, listed to its owner, and the createImage action unfinished. The delete now deletes it.
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }] });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

it('a createImage cancelled at its admission leaves no image behind', async () => {
  const id = await api.createServer({ name: 'snapped' });
  await api.waitForStatus(id, 'ACTIVE');
  const held = await holdRows(stack.sql, (tx) => tx`SELECT 1 FROM instances WHERE uuid = ${id} FOR UPDATE`);
  const snapshot = api.action(id, { createImage: { name: 'never-uploaded' } });
  await waitForLockWaiters(stack.sql, 1);

  const deleted = await deleteWhileHeld(stack, api, id, held);
  expect(deleted.status).toBe(204);
  await api.waitForGone(id, 60_000);

  const requestId = (await snapshot).headers.get('x-openstack-request-id')!;
  expect(await actionOf(api, id, requestId)).toMatchObject({ action: 'createImage', message: 'Error' });
  // The admission did create the record (the client may never have seen its id): it is gone, and not listed.
  const [image] = await stack.sql`SELECT id FROM images WHERE name = 'never-uploaded'`;
  expect(image).toBeDefined();
  await expectImageGone(api, image!['id']);
  const listed = await api.withHeaders({ Accept: 'application/json' }).get('/image/v2/images?name=never-uploaded');
  expect(listed.body.images).toEqual([]);
  await expectAuditClean(api);
});
