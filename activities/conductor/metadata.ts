import { ApplicationFailure } from '@temporalio/common';
import { checkInstanceState, lockConflict, type StateRule } from '../../domain/guards';
import { FaultType } from '../../domain/faults';
import { DEFAULT_QUOTAS } from '../../domain/quotas';
import type { InstanceRow } from '../../domain/rows';
import type { Queryable, Sql } from './db';
import { instanceGone, invalidState } from './errors';

/** A change to a server's metadata: merge `set` (or replace everything with it), or drop one key. */
export interface MetadataChange {
  instanceUuid: string;
  rule: StateRule;
  set: Record<string, string>;
  /** PUT /metadata: the new metadata is exactly `set`. */
  replace: boolean;
  deleteKey: string | null;
  /** The caller is an admin, whom a locked server does not refuse; absent in runs started before locks held. */
  isAdmin?: boolean;
}

/** The metadata a change leaves. */
export function applyMetadataChange(
  current: Record<string, string>,
  change: Pick<MetadataChange, 'set' | 'replace' | 'deleteKey'>,
): Record<string, string> {
  const next = change.replace ? { ...change.set } : { ...current, ...change.set };
  if (change.deleteKey !== null) delete next[change.deleteKey];
  return next;
}

async function metadataLimit(tx: Queryable, projectId: string): Promise<number> {
  const [row] = await tx<{ hard_limit: number }[]>`
    SELECT hard_limit FROM quotas WHERE project_id = ${projectId} AND resource = 'metadata_items'`;
  return row?.hard_limit ?? DEFAULT_QUOTAS.metadata_items;
}

/**
 * Writes a server's metadata under its row lock, if its lock and state allow (Nova's 409 otherwise) and the result
 * stays within the project's metadata_items quota (Nova's 403). Applying the same change twice gives the same
 * metadata, so a retried activity is harmless. `updated_at` moves, so the metadata service serves the change.
 */
export async function updateInstanceMetadata(sql: Sql, change: MetadataChange): Promise<Record<string, string>> {
  return sql.begin(async (tx) => {
    const [row] = await tx<InstanceRow[]>`
      SELECT * FROM instances WHERE uuid = ${change.instanceUuid} AND NOT deleted FOR UPDATE`;
    if (!row) throw instanceGone(change.instanceUuid);
    const locked = lockConflict(change.rule, row, change.isAdmin === true);
    if (locked) throw invalidState(locked);
    const conflict = checkInstanceState(change.rule, row);
    if (conflict) throw invalidState(conflict.message);
    const next = applyMetadataChange(row.metadata, change);
    const limit = await metadataLimit(tx, row.project_id);
    if (change.deleteKey === null && limit >= 0 && Object.keys(next).length > limit) {
      throw ApplicationFailure.create({
        message: `Maximum number of metadata items exceeds ${limit}`,
        type: FaultType.QuotaExceeded,
        nonRetryable: true,
      });
    }
    await tx`UPDATE instances SET metadata = ${tx.json(next)}, updated_at = now() WHERE uuid = ${row.uuid}`;
    return next;
  });
}
