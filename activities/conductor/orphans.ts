import { EvacuationStatus, FINAL_MIGRATION_STATUSES, LiveMigrationStatus, MigrationStatus } from '../../domain/states';
import type { Queryable } from './db';

/**
 * Migration statuses after which no step of the move touches a guest any more. Every other status (a resize in
 * VERIFY_RESIZE is `finished`, an evacuation waiting for its source to come back is `done`) means a workflow may
 * still use or clean up the instance's guests on either host.
 */
const SETTLED: readonly string[] = [
  MigrationStatus.Confirmed,
  MigrationStatus.Reverted,
  MigrationStatus.Error,
  LiveMigrationStatus.Completed,
  LiveMigrationStatus.Failed,
  LiveMigrationStatus.Cancelled,
  EvacuationStatus.Completed,
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The guests a host reports that it should destroy, as nova-compute's periodic _cleanup_running_deleted_instances
 * (running_deleted_instance_action=reap) does, widened to the copies a move left behind when its own cleanup failed
 * (a confirm or revert whose destroy failed): the instance is deleted or placed on another host, no operation holds
 * it (task_state NULL) and none of its migrations is unsettled, so neither a destination guest mid-migration nor
 * the source guest of a resize awaiting confirmation, a live migration or an evacuation ever qualifies. A guest of
 * an instance this database never knew is left alone, as Nova leaves unknown domains alone.
 */
export async function orphanGuests(tx: Queryable, host: string, guests: readonly string[]): Promise<string[]> {
  // Only uuids can name an instance: anything else is not ours, and must not fail the report's cast below.
  const candidates = guests.filter((uuid) => UUID.test(uuid));
  if (candidates.length === 0) return [];
  const rows = await tx<{ uuid: string }[]>`
    SELECT i.uuid FROM instances i
    WHERE i.uuid = ANY (${tx.array(candidates)}::uuid[])
      AND (i.deleted OR (i.host IS DISTINCT FROM ${host} AND i.task_state IS NULL))
      AND NOT EXISTS (
        SELECT 1 FROM server_migrations m
        WHERE m.instance_uuid = i.uuid AND m.status <> ALL (${tx.array([...SETTLED])}::text[]))
    ORDER BY i.uuid`;
  return rows.map((row) => row.uuid);
}

/**
 * Migration statuses after which no step reads the migration's disk copy again: every final status, and a cold
 * move's `finished` (VERIFY_RESIZE: the destination has imported the copy, and a revert goes back to the source's
 * own disk). Before that an alternate destination may import the copy again, so it stays.
 */
const COPY_UNUSED: readonly string[] = [...FINAL_MIGRATION_STATUSES, MigrationStatus.Finished];

/**
 * The migrations among those with a disk copy in the transfer area (as a host reports them) whose copy nothing
 * needs any more: the migration is settled (a rollback that could not reach its source host left the copy
 * behind), or this database never knew it. A migration's record is written before its copy starts, so a copy
 * of no record belongs to no move that can still use it.
 */
export async function settledTransfers(tx: Queryable, migrations: readonly string[]): Promise<string[]> {
  const candidates = migrations.filter((uuid) => UUID.test(uuid));
  if (candidates.length === 0) return [];
  const rows = await tx<{ uuid: string }[]>`
    SELECT c.uuid::text AS uuid FROM unnest(${tx.array(candidates)}::uuid[]) AS c(uuid)
    LEFT JOIN server_migrations m ON m.uuid = c.uuid
    WHERE m.uuid IS NULL OR m.status = ANY (${tx.array([...COPY_UNUSED])}::text[])
    ORDER BY c.uuid`;
  return rows.map((row) => row.uuid);
}
