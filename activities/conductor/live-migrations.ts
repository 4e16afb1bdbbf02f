import { LiveMigrationStatus } from '../../domain/states';
import type { Sql } from './db';
import { lockMigration, recordRefEvents, setStatus, type MigrationRef } from './migrations';
import { finishAction } from './transitions';

export interface LiveMigrationUpdate extends MigrationRef {
  status?: string;
  destHost?: string;
  memory?: { total: number; processed: number; remaining: number };
  disk?: { total: number; processed: number; remaining: number };
}

/** Status, destination and the byte counters clients poll on GET /servers/{id}/migrations/{id}. */
export async function updateLiveMigration(sql: Sql, input: LiveMigrationUpdate): Promise<void> {
  await sql.begin(async (tx) => {
    await lockMigration(tx, input.migrationUuid);
    await tx`
      UPDATE server_migrations SET
        status = COALESCE(${input.status ?? null}, status),
        dest_compute = COALESCE(${input.destHost ?? null}, dest_compute),
        dest_node = COALESCE(${input.destHost ?? null}, dest_node),
        dest_host = COALESCE(${input.destHost ?? null}, dest_host),
        memory_total_bytes = COALESCE(${input.memory?.total ?? null}, memory_total_bytes),
        memory_processed_bytes = COALESCE(${input.memory?.processed ?? null}, memory_processed_bytes),
        memory_remaining_bytes = COALESCE(${input.memory?.remaining ?? null}, memory_remaining_bytes),
        disk_total_bytes = COALESCE(${input.disk?.total ?? null}, disk_total_bytes),
        disk_processed_bytes = COALESCE(${input.disk?.processed ?? null}, disk_processed_bytes),
        disk_remaining_bytes = COALESCE(${input.disk?.remaining ?? null}, disk_remaining_bytes),
        updated_at = now()
      WHERE uuid = ${input.migrationUuid}`;
    if (input.memory) {
      const progress = Math.min(99, Math.floor((100 * input.memory.processed) / Math.max(1, input.memory.total)));
      await tx`UPDATE instances SET progress = ${progress}, updated_at = now() WHERE uuid = ${input.instanceUuid}`;
    }
    await recordRefEvents(tx, input);
  });
}

/** The guest runs on the destination: it owns the instance, the source allocation goes, task cleared. */
export async function finishLiveMigration(
  sql: Sql,
  input: MigrationRef & { destHost: string; powerState: number; requestId: string },
): Promise<void> {
  await sql.begin(async (tx) => {
    const migration = await lockMigration(tx, input.migrationUuid);
    await tx`DELETE FROM allocations WHERE consumer_uuid = ${migration.uuid}`;
    await setStatus(tx, migration.uuid, LiveMigrationStatus.Completed);
    await tx`
      UPDATE instances SET host = ${input.destHost}, node = ${input.destHost}, task_state = NULL,
             power_state = ${input.powerState}, progress = 100, updated_at = now()
      WHERE uuid = ${input.instanceUuid} AND NOT deleted`;
    await recordRefEvents(tx, input);
    await finishAction(tx, input.instanceUuid, input.requestId, false);
  });
}
