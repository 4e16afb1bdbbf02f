import type { InstanceRow } from '../../domain/rows';
import { admitInTransaction, type OperationAdmission } from './admission';
import type { Sql } from './db';
import { createQuotaRefusal, quotaExceeded } from './quotas';

/**
 * restore's admission: a soft-deleted server does not count against its project's quota, so bringing it back
 * is held to the quota as a new server would be (Nova's check in compute_api.restore), under the same advisory
 * lock as a create's count. From its admission (task restoring) it counts again.
 */
export async function admitRestore(sql: Sql, input: OperationAdmission): Promise<InstanceRow> {
  return sql.begin((tx) =>
    admitInTransaction(tx, input, async (row) => {
      const { vcpus, memory_mb } = row.flavor;
      const refusal = await createQuotaRefusal(tx, row.project_id, { instances: 1, cores: vcpus, ram: memory_mb });
      if (refusal) throw quotaExceeded(refusal);
    }),
  );
}
