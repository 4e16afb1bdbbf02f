import type { Sql, TransactionSql } from 'postgres';
import { instanceWorkflowId } from '../../domain/naming';
import type { ApiClient, Reply } from './http';
import type { TestStack } from './test-stack';

/**
 * Holds rows locked in a transaction of the test's own, so that a conductor step that writes them waits in the
 * middle of its transaction: the way to catch an operation with a conductor write in flight (fault switches only
 * reach hypervisor steps). `release` commits and lets the waiting steps go on, in the order they queued.
 */
export async function holdRows(
  sql: Sql,
  lock: (tx: TransactionSql) => Promise<unknown>,
): Promise<{ release: () => Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const done = sql.begin(async (tx) => {
    await lock(tx);
    locked();
    await released;
  });
  await Promise.race([isLocked, done]);
  return {
    release: async () => {
      release();
      await done;
    },
  };
}

/** holdRows on the instance's row: no admission or other conductor step that locks the instance can finish. */
export function holdInstanceRow(sql: Sql, instanceUuid: string): Promise<{ release: () => Promise<void> }> {
  return holdRows(sql, (tx) => tx`SELECT 1 FROM instances WHERE uuid = ${instanceUuid} FOR UPDATE`);
}

/** Waits until `count` transactions wait for a lock: the steps held by holdRows have reached it. */
export async function waitForLockWaiters(sql: Sql, count: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await sql<{ n: number }[]>`SELECT count(DISTINCT pid)::int AS n FROM pg_locks WHERE NOT granted`;
    if ((row?.n ?? 0) >= count) return;
    if (Date.now() > deadline) throw new Error(`fewer than ${count} transactions waited for a lock`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the instance's workflow ID runs `workflowType`: the run before it has closed. */
export async function waitForRun(stack: TestStack, instanceUuid: string, workflowType: string): Promise<void> {
  const handle = stack.client.workflow.getHandle(instanceWorkflowId(stack.prefix, instanceUuid));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const running = await handle.describe().catch(() => undefined);
    if (running?.type === workflowType) return;
    if (Date.now() > deadline) throw new Error(`${workflowType} never started on ${instanceUuid}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A DELETE that arrives while the instance's operation waits in a conductor step held by holdRows: the delete
 * cancels that operation, which closes, and the delete's own admission queues behind the held step. Releasing
 * the rows lets the step commit after its run has closed, as in the chaos run. Resolves with the DELETE's reply.
 */
export async function deleteWhileHeld(
  stack: TestStack,
  api: ApiClient,
  instanceUuid: string,
  held: { release: () => Promise<void> },
): Promise<Reply> {
  const reply = api.delete(`/v2.1/servers/${instanceUuid}`);
  await waitForRun(stack, instanceUuid, 'deleteServerWorkflow');
  await held.release();
  return reply;
}

/** GET /image/v2/images/{id} answers 404, as Glance does for a deleted image (asked for JSON). */
export async function expectImageGone(api: ApiClient, imageId: string): Promise<void> {
  const reply = await api.withHeaders({ Accept: 'application/json' }).get(`/image/v2/images/${imageId}`);
  expect(reply.status).toBe(404);
}
