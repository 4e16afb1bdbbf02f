import { expectAuditClean } from '../support/audit';
import { ApiClient, expectNovaError, type Reply } from '../support/http';
import { waitForStepRunning } from '../support/move-crash';
import { startTestStack, type TestStack } from '../support/test-stack';

// Found by the chaos run: unpause, shelve and live-migrate answered 500. A DELETE cancelled the operation's
// workflow while the API was still waiting for that operation's admission update, and the update's failure
// (caused by the cancellation) reached the client untranslated. Nova answers the loser of that race with 409
// conflictingRequest: the instance is being deleted.
//
// The admission is held deterministically by locking the instance's row, as a conductor stalled on PostgreSQL
// would: the admission step waits for the row lock while the DELETE cancels its run.
let stack: TestStack;
let api: ApiClient;

beforeAll(async () => {
  stack = await startTestStack({ hosts: [{ name: 'host-a' }] });
  api = new ApiClient(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

/** Holds the instance's row lock until `release` is called, so no admission on it can finish. */
async function lockInstanceRow(uuid: string): Promise<{ release: () => Promise<void> }> {
  let unlock!: () => void;
  const unlocked = new Promise<void>((resolve) => (unlock = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const done = stack.sql.begin(async (tx) => {
    await tx`SELECT 1 FROM instances WHERE uuid = ${uuid} FOR UPDATE`;
    locked();
    await unlocked;
  });
  await isLocked;
  return {
    release: async () => {
      unlock();
      await done;
    },
  };
}

const CASES = [
  {
    action: 'unpause',
    body: { unpause: null },
    prepare: { pause: null },
    before: 'PAUSED',
    admission: 'admitOperation',
  },
  { action: 'shelve', body: { shelve: null }, prepare: undefined, before: 'ACTIVE', admission: 'admitSnapshot' },
];

describe.each(CASES)(
  '$action cancelled by a DELETE before its admission',
  ({ action, body, prepare, before, admission }) => {
    it('answers 409 conflictingRequest naming task_state deleting, and the delete goes on', async () => {
      const id = await api.createServer({ name: `cancelled-${action}` });
      await api.waitForStatus(id, 'ACTIVE');
      if (prepare) expect((await api.action(id, prepare)).status).toBe(202);
      await api.waitForStatus(id, before);

      const lock = await lockInstanceRow(id);
      let deleting: Promise<Reply> | undefined;
      try {
        const acting = api.action(id, body);
        await waitForStepRunning(stack, id, admission);
        deleting = api.delete(`/v2.1/servers/${id}`);
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
      await api.waitForGone(id);
      expect(await stack.hypervisor('host-a').getGuest(id)).toBeUndefined();
      await expectAuditClean(api);
    });
  },
);
