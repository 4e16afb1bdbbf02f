import { flavorResources } from '../../domain/capacity';
import type { InstanceRow } from '../../domain/rows';
import { FINAL_MIGRATION_STATUSES, VmState } from '../../domain/states';
import type { Sql } from './db';

/** An allocation the audit found without a live consumer. */
export interface OrphanRef {
  consumerUuid: string;
  host: string;
}

/** A placed instance the audit found without its claim on its host. */
export interface MissingRef {
  instanceUuid: string;
  host: string;
}

/** What one repair did: `skipped` when the finding no longer holds (the books changed since the audit). */
export type RepairOutcome = 'removed' | 'restored' | 'skipped';

/**
 * Removes an allocation whose consumer is neither a live instance nor a migration in progress (what
 * `nova-manage placement audit --delete` removes). The consumer is checked again under the host's row lock, in
 * the transaction that deletes: an allocation that became legitimate since the audit stays.
 */
async function removeOrphanedAllocation(sql: Sql, ref: OrphanRef): Promise<RepairOutcome> {
  return sql.begin(async (tx) => {
    await tx`SELECT name FROM hosts WHERE name = ${ref.host} FOR UPDATE`;
    const removed = await tx`
      DELETE FROM allocations a WHERE a.consumer_uuid = ${ref.consumerUuid} AND a.host = ${ref.host}
        AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.uuid = a.consumer_uuid AND NOT i.deleted)
        AND NOT EXISTS (SELECT 1 FROM server_migrations m WHERE m.uuid = a.consumer_uuid
                          AND m.status NOT IN ${tx(FINAL_MIGRATION_STATUSES as string[])})`;
    return removed.count === 1 ? 'removed' : 'skipped';
  });
}

/**
 * Recreates the claim of an instance that sits on its host, idle, without one (what `nova-manage placement
 * heal_allocations` does): its flavor's resources, on the host it is on. A build that failed
 * (ERROR, never launched) holds nothing and gets nothing. An instance that moved, got busy or
 * was deleted since the audit, or that has its claim again, is left alone.
 */
async function restoreMissingAllocation(sql: Sql, ref: MissingRef): Promise<RepairOutcome> {
  return sql.begin(async (tx) => {
    await tx`SELECT name FROM hosts WHERE name = ${ref.host} FOR UPDATE`;
    const [instance] = await tx<Pick<InstanceRow, 'uuid' | 'flavor'>[]>`
      SELECT uuid, flavor FROM instances
      WHERE uuid = ${ref.instanceUuid} AND host = ${ref.host} AND NOT deleted AND task_state IS NULL
        AND NOT (vm_state = ${VmState.Error} AND launched_at IS NULL)
      FOR UPDATE`;
    if (!instance) return 'skipped';
    const r = flavorResources(instance.flavor);
    const inserted = await tx`
      INSERT INTO allocations (consumer_uuid, host, vcpus, memory_mb, disk_gb)
      VALUES (${instance.uuid}, ${ref.host}, ${r.vcpus}, ${r.memoryMb}, ${r.diskGb})
      ON CONFLICT (consumer_uuid, host) DO NOTHING`;
    return inserted.count === 1 ? 'restored' : 'skipped';
  });
}

/**
 * Repairs a list of findings in one activity, each in its own transaction: a repair of hundreds of findings is
 * one step in the workflow's history and takes a moment, where a step per finding took minutes.
 */
export async function removeOrphanedAllocations(sql: Sql, refs: OrphanRef[]): Promise<RepairOutcome[]> {
  return inOrder(refs, (ref) => removeOrphanedAllocation(sql, ref));
}

export async function restoreMissingAllocations(sql: Sql, refs: MissingRef[]): Promise<RepairOutcome[]> {
  return inOrder(refs, (ref) => restoreMissingAllocation(sql, ref));
}

async function inOrder<T>(refs: T[], repair: (ref: T) => Promise<RepairOutcome>): Promise<RepairOutcome[]> {
  const outcomes: RepairOutcome[] = [];
  for (const ref of refs) outcomes.push(await repair(ref));
  return outcomes;
}
