import { recordedFault, type InstanceFault } from '../../domain/faults';
import type { InstanceRow } from '../../domain/rows';
import { admitWith, type OperationAdmission } from './admission';
import type { Sql } from './db';
import { recordEvents, type ActionEvent } from './events';
import { finishAction } from './transitions';

/**
 * trigger_crash_dump's admission: the lock and state checks and the instance action, as for any operation, but
 * no task_state, as in Nova: the dump leaves the instance as it is, and runs beside whatever holds it.
 */
export async function admitCrashDump(sql: Sql, input: OperationAdmission): Promise<InstanceRow> {
  return admitWith(sql, input, async (_tx, row) => row);
}

export interface CrashDumpEnd {
  instanceUuid: string;
  requestId: string;
  events: readonly ActionEvent[];
  /** Set when the host could not inject the NMI: stored as the instance's fault, as Nova's wrap_instance_fault. */
  fault?: InstanceFault | undefined;
}

/** The action closed with its compute event; a failure stores its fault and changes nothing else. */
export async function finishCrashDump(sql: Sql, end: CrashDumpEnd): Promise<void> {
  await sql.begin(async (tx) => {
    if (end.fault) {
      const fault = recordedFault(end.fault);
      await tx`UPDATE instances SET fault = ${tx.json(fault)}, updated_at = now() WHERE uuid = ${end.instanceUuid}`;
    }
    await recordEvents(tx, end.instanceUuid, end.requestId, end.events);
    await finishAction(tx, end.instanceUuid, end.requestId, end.fault !== undefined);
  });
}
