import { FINAL_MIGRATION_STATUSES, MigrationStatus, TaskState, VmState } from '../../domain/states';
import type { ImageStore } from '../../storage/image-store';
import { workflowRef } from './admission';
import { allOf, type Queryable, type Sql } from './db';
import { recordEvents, type ActionEvent } from './events';
import { releaseImageData } from '../../image-data/holders';
import { discardImage } from './images';
import { closeInterrupted } from './interrupted';
import { finishAction } from './transitions';

/**
 * Soft-deletes the instance and drops every allocation it holds, in one transaction; a shelved instance's shelve
 * image goes with it (Nova deletes it on delete), its bytes once that has committed. What an operation this
 * delete interrupted left open is closed first (closeInterrupted): its action, a move's record and claims, an
 * unfinished snapshot image.
 */
export async function markDeleted(
  sql: Sql,
  images: ImageStore,
  input: { instanceUuid: string; requestId: string; events?: readonly ActionEvent[] },
): Promise<void> {
  const sha256 = await sql.begin(async (tx) => {
    // The row first (its lock before any other), what was interrupted with it; then the rest at once.
    const deleted = tx<{ shelved_image_id: string | null }[]>`
      UPDATE instances
      SET vm_state = ${VmState.Deleted}, task_state = NULL, power_state = 0, deleted = true,
          deleted_at = COALESCE(deleted_at, now()), terminated_at = COALESCE(terminated_at, now()),
          updated_at = now()
      WHERE uuid = ${input.instanceUuid} AND task_state IS NOT DISTINCT FROM ${TaskState.Deleting}
      RETURNING shelved_image_id`.execute();
    const closing = closeInterrupted(tx, {
      instanceUuid: input.instanceUuid,
      requestId: input.requestId,
      action: 'delete',
      workflowId: workflowRef().workflowId,
    });
    const [[row]] = await allOf([deleted, closing]);
    // After closeInterrupted: it may hand an unstarted move's claim back to the instance, and that claim goes too.
    await allOf([
      endOpenMigrations(tx, input.instanceUuid),
      tx`DELETE FROM allocations WHERE consumer_uuid = ${input.instanceUuid}`.execute(),
      recordEvents(tx, input.instanceUuid, input.requestId, input.events),
      finishAction(tx, input.instanceUuid, input.requestId, false),
    ]);
    // No row: a retry, after the first run deleted it; its shelve image is still named on the row.
    const shelvedImage = row ? row.shelved_image_id : await shelvedImageOf(tx, input.instanceUuid);
    return shelvedImage ? discardImage(tx, shelvedImage) : null;
  });
  await releaseImageData(sql, images, sha256);
}

/**
 * A deleted instance has no move in progress. A record still open here lost its workflow (terminated by an
 * operator, or failed): it ends in error and its claims go, so its host reaps the guest the move kept.
 */
async function endOpenMigrations(tx: Queryable, instanceUuid: string): Promise<void> {
  const open = await tx<{ uuid: string }[]>`
    UPDATE server_migrations SET status = ${MigrationStatus.Error}, updated_at = now()
    WHERE instance_uuid = ${instanceUuid} AND status NOT IN ${tx(FINAL_MIGRATION_STATUSES as string[])}
    RETURNING uuid`;
  if (open.length > 0) await tx`DELETE FROM allocations WHERE consumer_uuid IN ${tx(open.map((m) => m.uuid))}`;
}

/** A retried delete finds the instance already deleted: its shelve image is still named on the row. */
async function shelvedImageOf(tx: Queryable, instanceUuid: string): Promise<string | null> {
  const [row] = await tx<{ shelved_image_id: string | null }[]>`
    SELECT shelved_image_id FROM instances WHERE uuid = ${instanceUuid} AND deleted`;
  return row?.shelved_image_id ?? null;
}
