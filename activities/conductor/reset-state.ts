import type { InstanceRow } from '../../domain/rows';
import { admitInTransaction, type OperationAdmission } from './admission';
import type { Queryable, Sql } from './db';
import { finishAction } from './transitions';

/** os-resetState: the vm_state an admin sets, with no task_state; the only two Nova's schema allows. */
export type ResetVmState = 'active' | 'error';

export interface StateReset extends OperationAdmission {
  vmState: ResetVmState;
}

async function writeState(tx: Queryable, row: InstanceRow, vmState: ResetVmState): Promise<InstanceRow> {
  const [reset] = await tx<InstanceRow[]>`
    UPDATE instances SET vm_state = ${vmState}, task_state = NULL, updated_at = now()
    WHERE uuid = ${row.uuid} RETURNING *`;
  return reset!;
}

/**
 * The reset, its resetState action opened and closed, in one transaction. It goes through the admission every
 * operation shares, so it takes the instance's row lock and closes whatever an interrupted run left open; the
 * API has already rolled back the operation that ran, so no workflow writes over the reset afterwards.
 */
export async function resetState(sql: Sql, input: StateReset): Promise<InstanceRow> {
  return sql.begin(async (tx) => {
    const row = await admitInTransaction(tx, input, undefined, (t, r) => writeState(t, r, input.vmState));
    await finishAction(tx, input.instanceUuid, input.requestId, false);
    return row;
  });
}
