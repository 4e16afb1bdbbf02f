import { PowerState, MigrationStatus, TaskState, VmState } from '../../domain/states';
import { recordAction, type Requester } from './admission';
import type { Sql } from './db';
import { invalidState } from './errors';
import {
  lockInstance,
  lockMigration,
  recordRefEvents,
  restoreSource,
  setStatus,
  type MigrationRef,
} from './migrations';
import type { InstanceFault } from '../../domain/faults';
import { failInTransaction, finishAction } from './transitions';

export interface ResizeDecision extends MigrationRef {
  requester: Requester;
  /** True when the auto-confirm window ran out rather than a user deciding. */
  automatic?: boolean;
}

/** Confirm, recorded: the migration is confirming and the request has its instance action. */
export async function beginConfirm(sql: Sql, input: ResizeDecision): Promise<void> {
  await sql.begin(async (tx) => {
    const migration = await lockMigration(tx, input.migrationUuid);
    if (migration.status === MigrationStatus.Confirming || migration.status === MigrationStatus.Confirmed) return;
    if (migration.status !== MigrationStatus.Finished) throw invalidState('Instance has not been resized.');
    await setStatus(tx, migration.uuid, MigrationStatus.Confirming);
    await recordAction(tx, input.instanceUuid, 'confirmResize', input.requester);
    await recordRefEvents(tx, { ...input, requestId: input.requester.requestId });
  });
}

/** The source guest is gone: release the source allocation the migration held; ACTIVE, or SHUTOFF if off. */
export async function finishConfirm(sql: Sql, input: ResizeDecision): Promise<void> {
  await sql.begin(async (tx) => {
    const migration = await lockMigration(tx, input.migrationUuid);
    await tx`DELETE FROM allocations WHERE consumer_uuid = ${migration.uuid}`;
    await setStatus(tx, migration.uuid, MigrationStatus.Confirmed);
    await tx`
      UPDATE instances
      SET vm_state = CASE WHEN power_state = ${PowerState.Shutdown} THEN ${VmState.Stopped} ELSE ${VmState.Active} END,
          task_state = NULL, updated_at = now()
      WHERE uuid = ${input.instanceUuid} AND NOT deleted AND vm_state = ${VmState.Resized}`;
    await recordRefEvents(tx, { ...input, requestId: input.requester.requestId });
    await finishAction(tx, input.instanceUuid, input.requester.requestId, false);
  });
}

/**
 * The source did not destroy the old guest (a failed step, or a host that never took it): Nova's confirm
 * failure, ERROR with the fault and the migration in error. The user confirmed the destination, so the source
 * claim the migration held goes too; the old guest may stay on the source (the failed event names the host).
 */
export async function failConfirm(sql: Sql, input: ResizeDecision & { fault: InstanceFault }): Promise<void> {
  await sql.begin(async (tx) => {
    const migration = await lockMigration(tx, input.migrationUuid);
    await tx`DELETE FROM allocations WHERE consumer_uuid = ${migration.uuid}`;
    await setStatus(tx, migration.uuid, MigrationStatus.Error);
    await failInTransaction(tx, {
      instanceUuid: input.instanceUuid,
      expected: null,
      requestId: input.requester.requestId,
      fault: input.fault,
      vmState: VmState.Error,
      events: input.events,
    });
  });
}

/**
 * The revert failed (the destination did not destroy the resized guest, or the source did not power the old one
 * on): ERROR with the fault and the migration in error, as a failed confirm ends, never `reverting` for good. The
 * user chose the source, whose guest and disk the resize never touched, so the instance returns there with its old
 * flavor and claim, powered off as the resize left it (a hard reboot starts it); a resized guest the destination
 * could not destroy belongs to no instance there any more, and that host reaps it once it can (orphans.ts).
 */
export async function failRevert(sql: Sql, input: ResizeDecision & { fault: InstanceFault }): Promise<void> {
  await sql.begin(async (tx) => {
    const migration = await lockMigration(tx, input.migrationUuid);
    await restoreSource(tx, migration);
    await setStatus(tx, migration.uuid, MigrationStatus.Error);
    await failInTransaction(tx, {
      instanceUuid: input.instanceUuid,
      expected: TaskState.ResizeReverting,
      requestId: input.requester.requestId,
      fault: input.fault,
      vmState: VmState.Error,
      powerState: PowerState.Shutdown,
      events: input.events,
    });
  });
}

/** Revert begins: resize_reverting (REVERT_RESIZE), migration reverting, the request recorded. */
export async function beginRevert(sql: Sql, input: ResizeDecision): Promise<void> {
  await sql.begin(async (tx) => {
    const migration = await lockMigration(tx, input.migrationUuid);
    if (migration.status === MigrationStatus.Reverting || migration.status === MigrationStatus.Reverted) return;
    if (migration.status !== MigrationStatus.Finished) throw invalidState('Instance has not been resized.');
    await lockInstance(tx, input.instanceUuid);
    await setStatus(tx, migration.uuid, MigrationStatus.Reverting);
    await tx`
      UPDATE instances SET task_state = ${TaskState.ResizeReverting}, updated_at = now()
      WHERE uuid = ${input.instanceUuid}`;
    await recordAction(tx, input.instanceUuid, 'revertResize', input.requester);
    await recordRefEvents(tx, { ...input, requestId: input.requester.requestId });
  });
}

/** The destination guest is gone: the claims, host and flavor go back to the source. */
export async function revertAllocations(sql: Sql, input: MigrationRef): Promise<void> {
  await sql.begin(async (tx) => restoreSource(tx, await lockMigration(tx, input.migrationUuid)));
}

/** The source guest is back in its old power state: the instance returns to the vm_state it had. */
export async function finishRevert(sql: Sql, input: ResizeDecision & { powerState: number }): Promise<void> {
  await sql.begin(async (tx) => {
    const migration = await lockMigration(tx, input.migrationUuid);
    await setStatus(tx, migration.uuid, MigrationStatus.Reverted);
    await tx`
      UPDATE instances SET vm_state = ${migration.old_vm_state}, task_state = NULL, power_state = ${input.powerState},
             updated_at = now()
      WHERE uuid = ${input.instanceUuid} AND NOT deleted`;
    await recordRefEvents(tx, { ...input, requestId: input.requester.requestId });
    await finishAction(tx, input.instanceUuid, input.requester.requestId, false);
  });
}
