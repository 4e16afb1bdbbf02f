import { expectAuditClean } from '../support/audit';
import { expectNovaError, type Reply } from '../support/http';
import { holdInstanceRow, waitForLockWaiters } from '../support/interrupt';
import { useTestStack } from '../support/use-test-stack';

// Found by the chaos run: unpause, shelve and live-migrate answered 500. A DELETE cancelled the operation's
// workflow while the API was still waiting for that operation's admission update, and the update's failure
// (caused by the cancellation) reached the client untranslated. Nova answers the loser of that race with 409
// conflictingRequest: the instance is being deleted.
//
// The admission is held deterministically by locking the instance's row, as a conductor stalled on PostgreSQL
// would: the admission step waits for the row lock while the DELETE cancels its run.
const env = useTestStack({ hosts: [{ name: 'host-a' }] });

const CASES = [
  {
    action: 'unpause',
    body: { unpause: null },
    prepare: { pause: null },
    before: 'PAUSED',
  },
  { action: 'shelve', body: { shelve: null }, prepare: undefined, before: 'ACTIVE' },
];

describe.each(CASES)('$action cancelled by a DELETE before its admission', ({ action, body, prepare, before }) => {
  it('answers 409 conflictingRequest naming task_state deleting, and the delete goes on', async () => {
    const id = await env.api.createServer({ name: `cancelled-${action}` });
    await env.api.waitForStatus(id, 'ACTIVE');
    if (prepare) expect((await env.api.action(id, prepare)).status).toBe(202);
    await env.api.waitForStatus(id, before);

    const lock = await holdInstanceRow(env.stack.sql, id);
    let deleting: Promise<Reply> | undefined;
    try {
      const acting = env.api.action(id, body);
      await waitForLockWaiters(env.stack.sql, 1);
      deleting = env.api.delete(`/v2.1/servers/${id}`);
      expectNovaError(
        await acting,
        409,
        'conflictingRequest',
        `Cannot '${action}' instance ${id} while it is in task_state deleting`,
      );
    } finally {
      await lock.release();
    }
    expect((await deleting)?.status).toBe(204);
    await env.api.waitForGone(id);
    expect(await env.stack.hypervisor('host-a').getGuest(id)).toBeUndefined();
    await expectAuditClean(env.api);
  });
});
