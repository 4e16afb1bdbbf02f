import type { MigrationRow } from '../../domain/rows';
import { ImageStatus, LiveMigrationStatus, MigrationStatus } from '../../domain/states';
import type { Queryable } from './db';
import { discardImage } from './images';
import { restoreSource, setStatus } from './migrations';
import { finishAction } from './transitions';

/** Migration records a move writes before it touches any host: a run that ends here has nothing on a host to undo. */
const NOT_STARTED: readonly string[] = [MigrationStatus.PreMigrating, LiveMigrationStatus.Accepted];
const MOVES: readonly string[] = ['migration', 'resize', 'live-migration'];

/** The operation that takes the instance over (a delete, an evacuation, or any later operation). */
export interface Interrupter {
  instanceUuid: string;
  requestId: string;
  action: string;
  /**
   * The run's workflow ID: only actions recorded under it (or before IDs were recorded) can be leftovers of the
   * run before it. A run beside the instance's operations (trigger_crash_dump, under an ID of its own) thus
   * closes none of theirs, and they close none of its.
   */
  workflowId: string | null;
}

/**
 * Closes what an interrupted operation left open. A delete (or an evacuation) cancels the instance's running
 * operation; a conductor step of it still in flight then (its admission, the migration record) commits after the
 * run has closed, and no compensation of that run can see it. One operation runs per instance at a time (the
 * workflow ID's conflict policy), so when another is admitted or the instance is deleted, anything still open is
 * such a leftover: every unfinished action ends with Error (its open events too, as Nova's
 * wrap_instance_event records the exception), a move that never reached a host ends in `error` with its claims
 * back on the source, and a snapshot or backup image of the instance's project that will never be uploaded is
 * deleted (Nova's delete_image_on_error). Runs in the caller's transaction, under the instance's row lock.
 */
export async function closeInterrupted(tx: Queryable, by: Interrupter): Promise<void> {
  // The three lookups go out together: usually all three find nothing, and that costs one round trip.
  const [open, moves, images] = await Promise.all([
    tx<{ id: string; request_id: string }[]>`
      SELECT id, request_id FROM instance_actions
      WHERE instance_uuid = ${by.instanceUuid} AND finish_time IS NULL AND request_id <> ${by.requestId}
        AND (workflow_id IS NULL OR workflow_id IS NOT DISTINCT FROM ${by.workflowId})
      ORDER BY id FOR UPDATE`.execute(),
    tx<MigrationRow[]>`
      SELECT * FROM server_migrations
      WHERE instance_uuid = ${by.instanceUuid} AND migration_type IN ${tx(MOVES as string[])}
        AND status IN ${tx(NOT_STARTED as string[])}
      FOR UPDATE`.execute(),
    tx<{ id: string }[]>`
      SELECT id FROM images
      WHERE status IN (${ImageStatus.Queued}, ${ImageStatus.Saving})
        AND properties->>'instance_uuid' = ${by.instanceUuid} AND properties->>'image_type' IN ('snapshot', 'backup')
        AND owner = (SELECT project_id FROM instances WHERE uuid = ${by.instanceUuid})
      FOR UPDATE`.execute(),
  ]);
  const reason = `Interrupted by ${by.action} (${by.requestId})`;
  for (const action of open) {
    await tx`
      UPDATE instance_action_events SET finish_time = now(), result = 'Error', traceback = COALESCE(traceback, ${reason})
      WHERE action_id = ${action.id} AND finish_time IS NULL`;
    await finishAction(tx, by.instanceUuid, action.request_id, true);
  }
  await endUnstartedMoves(tx, moves);
  await discardUnfinishedSnapshots(tx, images);
}

async function endUnstartedMoves(tx: Queryable, moves: readonly MigrationRow[]): Promise<void> {
  for (const move of moves) {
    // Nothing moved yet: restoring the source gives its allocation back to the instance and drops any destination.
    await restoreSource(tx, move);
    await setStatus(tx, move.uuid, MigrationStatus.Error);
  }
}

/**
 * Snapshot images of the instance that no operation will fill any more: deleted, as Glance shows a failed
 * snapshot's image after Nova's cleanup. A queued or saving image records no bytes yet (they are recorded with
 * the image going active), so there is nothing in the image store to release.
 */
async function discardUnfinishedSnapshots(tx: Queryable, images: readonly { id: string }[]): Promise<void> {
  for (const image of images) await discardImage(tx, image.id);
}
