import { recordedFault, type InstanceFault } from '../../domain/faults';
import type { InstanceFlavor, InstanceRow, MigrationRow } from '../../domain/rows';
import { MigrationStatus, TaskState, VmState } from '../../domain/states';
import type { Requester } from './admission';
import type { Queryable, Sql } from './db';
import { instanceGone, invalidState } from './errors';
import { recordEvents, type ActionEvent } from './events';
import { finishAction } from './transitions';

export interface MigrationStart extends Requester {
  events?: readonly ActionEvent[];
  migrationUuid: string;
  instanceUuid: string;
  migrationType: 'migration' | 'resize' | 'live-migration';
  /** Nova starts moves in pre-migrating, live migrations in accepted. */
  status?: string;
  newFlavor: InstanceFlavor;
  workflowId: string;
  runId: string;
}

export interface MigrationRef {
  migrationUuid: string;
  instanceUuid: string;
  /** The instance action these writes belong to, and the steps of it they start or finish. */
  requestId?: string;
  events?: readonly ActionEvent[];
}

/** Records the ref's events in the caller's transaction. */
export async function recordRefEvents(tx: Queryable, ref: MigrationRef): Promise<void> {
  if (ref.requestId) await recordEvents(tx, ref.instanceUuid, ref.requestId, ref.events);
}

async function lockInstance(tx: Queryable, uuid: string): Promise<InstanceRow> {
  const [row] = await tx<InstanceRow[]>`SELECT * FROM instances WHERE uuid = ${uuid} AND NOT deleted FOR UPDATE`;
  if (!row) throw instanceGone(uuid);
  return row;
}

async function lockMigration(tx: Queryable, uuid: string): Promise<MigrationRow> {
  const [row] = await tx<MigrationRow[]>`SELECT * FROM server_migrations WHERE uuid = ${uuid} FOR UPDATE`;
  if (!row) throw invalidState(`Migration ${uuid} could not be found.`);
  return row;
}

async function setStatus(tx: Queryable, uuid: string, status: string): Promise<void> {
  await tx`UPDATE server_migrations SET status = ${status}, updated_at = now() WHERE uuid = ${uuid}`;
}

/**
 * Records the migration (pre-migrating) and hands the source allocation to the migration as its consumer, so
 * the instance consumer is free to claim the destination: Nova's migration-allocations model.
 */
export async function startMigration(sql: Sql, input: MigrationStart): Promise<MigrationRow> {
  return sql.begin(async (tx) => {
    const instance = await lockInstance(tx, input.instanceUuid);
    const [existing] = await tx<MigrationRow[]>`SELECT * FROM server_migrations WHERE uuid = ${input.migrationUuid}`;
    if (existing) return existing;
    if (!instance.host) throw invalidState(`Instance ${instance.uuid} is not ready`);
    const [migration] = await tx<MigrationRow[]>`
      INSERT INTO server_migrations (uuid, instance_uuid, migration_type, status, source_compute, source_node, old_flavor,
                              new_flavor, old_vm_state, user_id, project_id, workflow_id, run_id)
      VALUES (${input.migrationUuid}, ${instance.uuid}, ${input.migrationType},
              ${input.status ?? MigrationStatus.PreMigrating},
              ${instance.host}, ${instance.node ?? instance.host}, ${tx.json(instance.flavor)},
              ${tx.json(input.newFlavor)}, ${instance.vm_state}, ${input.userId}, ${input.projectId},
              ${input.workflowId}, ${input.runId})
      RETURNING *`;
    await tx`
      UPDATE allocations SET consumer_uuid = ${input.migrationUuid}
      WHERE consumer_uuid = ${instance.uuid} AND host = ${instance.host}`;
    await recordEvents(tx, instance.uuid, input.requestId, input.events);
    return migration!;
  });
}

/** The destination is claimed: the migration names it and the disk copy begins. */
export async function beginMigrating(sql: Sql, input: MigrationRef & { destHost: string }): Promise<void> {
  await sql.begin(async (tx) => {
    const migration = await lockMigration(tx, input.migrationUuid);
    if (migration.status !== MigrationStatus.PreMigrating && migration.dest_compute === input.destHost) {
      return recordRefEvents(tx, input);
    }
    await tx`
      UPDATE server_migrations SET status = ${MigrationStatus.Migrating}, dest_compute = ${input.destHost},
             dest_node = ${input.destHost}, dest_host = ${input.destHost}, updated_at = now()
      WHERE uuid = ${input.migrationUuid}`;
    await tx`
      UPDATE instances SET task_state = ${TaskState.ResizeMigrating}, progress = 25, updated_at = now()
      WHERE uuid = ${input.instanceUuid} AND task_state IN (${TaskState.ResizePrep}, ${TaskState.ResizeMigrating})`;
    await recordRefEvents(tx, input);
  });
}

/** The disk is on its way: the instance now belongs to the destination host (Nova: post-migrating). */
export async function recordMigrated(sql: Sql, input: MigrationRef & { destHost: string }): Promise<void> {
  await sql.begin(async (tx) => {
    await setStatus(tx, input.migrationUuid, MigrationStatus.PostMigrating);
    await tx`
      UPDATE instances SET host = ${input.destHost}, node = ${input.destHost}, task_state = ${TaskState.ResizeFinish},
             progress = 75, updated_at = now()
      WHERE uuid = ${input.instanceUuid}
        AND task_state IN (${TaskState.ResizeMigrating}, ${TaskState.ResizeMigrated}, ${TaskState.ResizeFinish})`;
    await recordRefEvents(tx, input);
  });
}

/** The guest runs on the destination with the new flavor: VERIFY_RESIZE, both sides still held. */
export async function finishResize(
  sql: Sql,
  input: MigrationRef & { powerState: number; requestId: string },
): Promise<void> {
  await sql.begin(async (tx) => {
    const migration = await lockMigration(tx, input.migrationUuid);
    await setStatus(tx, input.migrationUuid, MigrationStatus.Finished);
    await tx`
      UPDATE instances SET vm_state = ${VmState.Resized}, task_state = NULL, power_state = ${input.powerState},
             flavor = ${tx.json(migration.new_flavor)}, progress = 100, updated_at = now()
      WHERE uuid = ${input.instanceUuid} AND NOT deleted`;
    await recordRefEvents(tx, input);
    await finishAction(tx, input.instanceUuid, input.requestId, false);
  });
}

/**
 * Puts everything back on the source: destination claims dropped, the migration's allocation returned to the
 * instance, host and flavor restored. Shared by rollback and revert; safe to run twice.
 */
async function restoreSource(tx: Queryable, migration: MigrationRow): Promise<void> {
  await tx`
    DELETE FROM allocations WHERE consumer_uuid = ${migration.instance_uuid} AND host <> ${migration.source_compute}`;
  const [moved] = await tx`
    UPDATE allocations SET consumer_uuid = ${migration.instance_uuid}
    WHERE consumer_uuid = ${migration.uuid} AND host = ${migration.source_compute}
    RETURNING host`;
  if (!moved) await tx`DELETE FROM allocations WHERE consumer_uuid = ${migration.uuid}`;
  await tx`
    UPDATE instances SET host = ${migration.source_compute}, node = ${migration.source_node},
           flavor = ${tx.json(migration.old_flavor)}, updated_at = now()
    WHERE uuid = ${migration.instance_uuid}`;
}

/**
 * A migration that failed before the guest ran on the destination: the instance goes back to its source, in its
 * old state, with the fault recorded. Nova leaves it in ERROR; the data is intact on the source, so we do not.
 */
export async function rollbackMigration(
  sql: Sql,
  input: MigrationRef & { requestId: string; fault?: InstanceFault; powerState?: number; status?: string },
): Promise<void> {
  const fault = input.fault ? recordedFault(input.fault) : null;
  await sql.begin(async (tx) => {
    const migration = await lockMigration(tx, input.migrationUuid);
    await restoreSource(tx, migration);
    await setStatus(tx, migration.uuid, input.status ?? MigrationStatus.Error);
    await tx`
      UPDATE instances SET vm_state = ${migration.old_vm_state}, task_state = NULL, progress = 0,
             power_state = COALESCE(${input.powerState ?? null}, power_state),
             fault = CASE WHEN ${fault === null} THEN fault ELSE ${fault === null ? null : tx.json(fault)} END,
             updated_at = now()
      WHERE uuid = ${input.instanceUuid} AND NOT deleted`;
    await recordRefEvents(tx, input);
    await finishAction(tx, input.instanceUuid, input.requestId, fault !== null);
  });
}

export { lockInstance, lockMigration, restoreSource, setStatus };
