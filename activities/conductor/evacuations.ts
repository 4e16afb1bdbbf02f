import { ApplicationFailure } from '@temporalio/common';
import { FaultType, recordedFault, type InstanceFault } from '../../domain/faults';
import { StateRules } from '../../domain/guards';
import { isServiceUp } from '../../domain/liveness';
import type { InstanceRow, MigrationRow } from '../../domain/rows';
import { EvacuationStatus, TaskState, VmState } from '../../domain/states';
import { admitInTransaction, workflowRef, type Requester } from './admission';
import type { Queryable, Sql } from './db';
import { recordEvents, type ActionEvent } from './events';
import { lockMigration, recordRefEvents, setStatus, type MigrationRef } from './migrations';
import { finishAction } from './transitions';

export const EVACUATION = 'evacuation';

export interface EvacuationAdmission extends Requester {
  instanceUuid: string;
  migrationUuid: string;
  /** The host the operator named; Nova records it as the migration's dest_compute at once. */
  targetHost: string | null;
  /** Steps that start with the admission (`rebuild_server`). */
  events?: readonly ActionEvent[];
}

export interface AdmittedEvacuation {
  instance: InstanceRow;
  /** The image's bytes in the image store, when it has them: the destination spawns from those. */
  imageSha256: string | null;
}

export interface ConductorOptions {
  /** Nova's service_down_time: a host silent for longer is down. */
  serviceDownTimeMs: number;
  /** Called after an operator's service update (enable, disable, force down): the scheduler's cache reads again. */
  onHostServiceChanged?: () => void;
}

/** Whether the host's compute service is up, by the database's clock, which stamped its last report. */
async function hostIsUp(tx: Queryable, host: string, opts: ConductorOptions): Promise<boolean> {
  const [row] = await tx<{ forced_down: boolean; last_seen_at: Date; now: Date }[]>`
    SELECT forced_down, last_seen_at, now() AS now FROM hosts WHERE name = ${host}`;
  return row !== undefined && isServiceUp(row, row.now, opts.serviceDownTimeMs);
}

/**
 * Admits an evacuation the way Nova's API does, in one transaction: the state rule (any task_state), the
 * source host down (else ComputeServiceInUse, a 400), task_state rebuilding, the instance action, and the
 * migration record in `accepted`. The source allocation stays with the instance: it holds both hosts until
 * the source comes back and destroys its stale copy.
 */
export async function admitEvacuation(
  sql: Sql,
  input: EvacuationAdmission,
  opts: ConductorOptions,
): Promise<AdmittedEvacuation> {
  return sql.begin(async (tx) => {
    const instance = await admitInTransaction(
      tx,
      {
        ...input,
        rule: StateRules.evacuate,
        action: 'evacuate',
        taskState: TaskState.Rebuilding,
        requireHost: true,
        events: [],
      },
      async (row) => {
        if (await hostIsUp(tx, row.host!, opts)) {
          throw ApplicationFailure.nonRetryable(
            `Compute service of ${row.host} is still in use.`,
            FaultType.ComputeServiceInUse,
          );
        }
      },
    );
    const { workflowId, runId } = workflowRef();
    await tx`
      INSERT INTO server_migrations (uuid, instance_uuid, migration_type, status, source_compute, source_node,
                                     dest_compute, old_flavor, new_flavor, old_vm_state, user_id, project_id,
                                     workflow_id, run_id)
      VALUES (${input.migrationUuid}, ${instance.uuid}, ${EVACUATION}, ${EvacuationStatus.Accepted},
              ${instance.host}, ${instance.node ?? instance.host}, ${input.targetHost}, ${tx.json(instance.flavor)},
              ${tx.json(instance.flavor)}, ${instance.vm_state}, ${input.userId}, ${input.projectId},
              ${workflowId}, ${runId})
      ON CONFLICT (uuid) DO NOTHING`;
    await recordEvents(tx, instance.uuid, input.requestId, input.events);
    const [image] = instance.image_id
      ? await tx<{ store_sha256: string | null }[]>`SELECT store_sha256 FROM images WHERE id = ${instance.image_id}`
      : [];
    return { instance, imageSha256: image?.store_sha256 ?? null };
  });
}

/**
 * A destination is claimed (Nova's rebuild claim): the migration names it (pre-migrating) and the instance
 * belongs to it from now on, in rebuild_block_device_mapping. Run again for each alternate.
 */
export async function recordEvacuationDest(sql: Sql, input: MigrationRef & { destHost: string }): Promise<void> {
  await sql.begin(async (tx) => {
    await lockMigration(tx, input.migrationUuid);
    await tx`
      UPDATE server_migrations SET status = ${EvacuationStatus.PreMigrating}, dest_compute = ${input.destHost},
             dest_node = ${input.destHost}, dest_host = ${input.destHost}, updated_at = now()
      WHERE uuid = ${input.migrationUuid}`;
    await tx`
      UPDATE instances SET host = ${input.destHost}, node = ${input.destHost},
             task_state = ${TaskState.RebuildBlockDeviceMapping}, updated_at = now()
      WHERE uuid = ${input.instanceUuid} AND NOT deleted
        AND task_state IN (${TaskState.Rebuilding}, ${TaskState.RebuildBlockDeviceMapping}, ${TaskState.RebuildSpawning})`;
    await recordRefEvents(tx, input);
  });
}

/** The guest runs (or is defined, stopped) on the destination: migration done, the instance idle there. */
export async function finishEvacuation(
  sql: Sql,
  input: MigrationRef & { requestId: string; vmState: string; powerState: number },
): Promise<void> {
  await sql.begin(async (tx) => {
    await lockMigration(tx, input.migrationUuid);
    await setStatus(tx, input.migrationUuid, EvacuationStatus.Done);
    await tx`
      UPDATE instances SET vm_state = ${input.vmState}, power_state = ${input.powerState}, task_state = NULL,
             progress = CASE WHEN ${input.vmState} = ${VmState.Active} THEN 100 ELSE progress END,
             launched_at = now(), fault = NULL, updated_at = now()
      WHERE uuid = ${input.instanceUuid} AND NOT deleted AND task_state = ${TaskState.RebuildSpawning}`;
    await recordRefEvents(tx, input);
    await finishAction(tx, input.instanceUuid, input.requestId, false);
  });
}

/**
 * The evacuation failed (no destination: `error`; the destination failed: `failed`). The instance goes back to
 * its source host, where its allocation and its untouched guest still are, in ERROR with the fault: a later
 * evacuate can try again, and if the source returns its guest is still there to recover.
 */
export async function failEvacuation(
  sql: Sql,
  input: MigrationRef & { requestId: string; status: string; fault: InstanceFault },
): Promise<void> {
  const fault = recordedFault(input.fault);
  await sql.begin(async (tx) => {
    const migration = await lockMigration(tx, input.migrationUuid);
    await setStatus(tx, migration.uuid, input.status);
    await tx`
      UPDATE instances SET host = ${migration.source_compute}, node = ${migration.source_node},
             vm_state = ${VmState.Error}, task_state = NULL, fault = ${tx.json(fault)}, updated_at = now()
      WHERE uuid = ${input.instanceUuid} AND NOT deleted`;
    await recordRefEvents(tx, input);
    await finishAction(tx, input.instanceUuid, input.requestId, true);
  });
}

/** An evacuation away from a host that has come back: its stale guest must go before the host counts as up. */
export interface StaleGuest {
  migrationUuid: string;
  instanceUuid: string;
  /** Whether the host reported a guest for the instance (unknown: assumed, since destroy is idempotent). */
  onHost: boolean;
}

/**
 * Evacuations away from `host` whose guest now runs elsewhere (`done`), Nova's init_host list. The instance
 * must be gone or on another host: never a guest the instance uses now. Nova also takes evacuations still
 * `accepted` or `pre-migrating`; here the source keeps its guest until the evacuation is done, so one that then
 * fails leaves the server in ERROR on its source with its guest intact.
 */
export async function staleGuests(tx: Queryable, host: string, guests?: readonly string[]): Promise<StaleGuest[]> {
  const rows = await tx<Pick<MigrationRow, 'uuid' | 'instance_uuid'>[]>`
    SELECT m.uuid, m.instance_uuid FROM server_migrations m
    LEFT JOIN instances i ON i.uuid = m.instance_uuid
    WHERE m.source_compute = ${host} AND m.migration_type = ${EVACUATION} AND m.status = ${EvacuationStatus.Done}
      AND (i.uuid IS NULL OR i.deleted OR i.host IS DISTINCT FROM ${host})
    ORDER BY m.id`;
  return rows.map((m) => ({
    migrationUuid: m.uuid,
    instanceUuid: m.instance_uuid,
    onHost: guests === undefined || guests.includes(m.instance_uuid),
  }));
}

/**
 * The source host destroyed its stale guests: its allocations for those instances go, and the evacuations are
 * `completed` (Nova's init_host, after `_destroy_evacuated_instances`). Safe to run twice.
 */
export async function completeEvacuations(
  sql: Sql,
  input: { host: string; migrationUuids: readonly string[] },
): Promise<void> {
  for (const uuid of input.migrationUuids) {
    await sql.begin(async (tx) => {
      const migration = await lockMigration(tx, uuid);
      if (migration.status !== EvacuationStatus.Done || migration.source_compute !== input.host) return;
      await tx`
        DELETE FROM allocations a WHERE a.consumer_uuid = ${migration.instance_uuid} AND a.host = ${input.host}
          AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.uuid = a.consumer_uuid AND NOT i.deleted AND i.host = a.host)`;
      await setStatus(tx, uuid, EvacuationStatus.Completed);
    });
  }
}
