import { expectAuditClean } from '../support/audit';
import { actionOf } from '../support/instance-actions';
import { deleteWhileHeld, holdRows, waitForLockWaiters } from '../support/interrupt';
import { migrationsOf } from '../support/move-crash';
import { useTestStack } from '../support/use-test-stack';

// Found by the chaos run ("resize still pre-migrating"): a resize accepted just before a delete. The delete
// cancelled the resize while its conductor step recording the migration (pre-migrating, the source allocation
// handed to the migration) was in flight; the step committed after the run had closed, and nothing ever moved the
// migration on: it stayed pre-migrating with the source allocation held by it, and the resize action unfinished.
// Now the delete closes it: the migration ends in `error`, its allocation is released with the server's.
const env = useTestStack({ hosts: [{ name: 'host-a' }, { name: 'host-b' }] });

it.each([
  { operation: 'resize', body: { resize: { flavorRef: '2' } } },
  { operation: 'migrate', body: { migrate: null } },
])('a $operation cancelled while its migration record is written ends that migration in error', async ({ body }) => {
  const id = await env.api.createServer({ name: 'moving' });
  await env.api.waitForStatus(id, 'ACTIVE');
  // The migration record's step hands the server's allocation to the migration: it waits for these rows.
  const held = await holdRows(
    env.stack.sql,
    (tx) => tx`SELECT 1 FROM allocations WHERE consumer_uuid = ${id} FOR UPDATE`,
  );
  const reply = await env.api.action(id, body);
  expect(reply.status).toBe(202);
  const requestId = reply.headers.get('x-openstack-request-id')!;
  await waitForLockWaiters(env.stack.sql, 1);

  const deleted = await deleteWhileHeld(env.stack, env.api, id, held);
  expect(deleted.status).toBe(204);
  await env.api.waitForGone(id, 60_000);

  const migrations = await migrationsOf(env.api, id);
  expect(migrations.map((m: any) => m.status)).toEqual(['error']);
  const claims = await env.stack.sql`
    SELECT host FROM allocations
    WHERE consumer_uuid = ${id} OR consumer_uuid IN (SELECT uuid FROM server_migrations WHERE instance_uuid = ${id})`;
  expect(claims).toEqual([]);
  expect(await actionOf(env.api, id, requestId)).toMatchObject({ message: 'Error' });
  const [action] = await env.stack.sql`SELECT finish_time FROM instance_actions WHERE request_id = ${requestId}`;
  expect(action?.['finish_time']).not.toBeNull();
  await expectAuditClean(env.api);
});
