import type { InstanceRow } from '../../domain/rows';
import type { Sql } from './db';
import { admitWith, type OperationAdmission } from './admission';
import { serverRecordColumns, type ServerRecordChanges } from './server-record';
import { failInTransaction, type TaskFailure } from './transitions';

/**
 * What a rebuild changes on the instance record. Absent fields stay as they are; `null` clears the ones Nova
 * lets a rebuild clear (description, key_name). The admin password is not here: it is a secret and never
 * leaves the API.
 */
export interface RebuildChanges extends ServerRecordChanges {
  imageId: string;
  /** Replaces the whole metadata, as Nova's rebuild does. */
  metadata?: Record<string, string>;
  keyName?: string | null;
  /** The named key pair's public key (null with keyName null). */
  keyData?: string | null;
  /** Base64 user data from 2.57; null removes it. */
  userData?: string | null;
}

export interface RebuildAdmission extends OperationAdmission {
  changes: RebuildChanges;
}

/** The admitted instance, and the image it had before (what a rebuild that never swapped the disk restores). */
export interface RebuildAdmitted extends InstanceRow {
  /** Absent from admissions recorded before the field existed; the new image itself for a retried admission. */
  previousImageId?: string | null;
}

/**
 * Rebuild's admission: like every operation's, plus what Nova's API saves before it casts to the conductor:
 * the new image, name, metadata, description, access IPs, key name and disk config, and progress 0, in the
 * same compare-and-set as the task_state. A GET right after the 202 shows the new image.
 */
export async function admitRebuild(sql: Sql, input: RebuildAdmission): Promise<RebuildAdmitted> {
  const c = input.changes;
  const columns: Record<string, unknown> = { task_state: input.taskState, image_id: c.imageId, progress: 0 };
  if (c.keyName !== undefined) columns['key_name'] = c.keyName;
  if (c.keyData !== undefined) columns['key_data'] = c.keyData;
  if (c.userData !== undefined) columns['user_data'] = c.userData;
  let previousImageId: string | null | undefined;
  const admitted = await admitWith(sql, input, async (tx, row) => {
    previousImageId = row.image_id;
    Object.assign(columns, serverRecordColumns(c, row));
    const metadata = c.metadata === undefined ? tx`` : tx`, metadata = ${tx.json(c.metadata)}`;
    const [admitted] = await tx<InstanceRow[]>`
      UPDATE instances SET ${tx(columns)} ${metadata}, updated_at = now()
      WHERE uuid = ${row.uuid} RETURNING *`;
    return admitted!;
  });
  // A retried admission that had already committed finds the new image only: nothing to restore then.
  return { ...admitted, previousImageId: previousImageId === undefined ? admitted.image_id : previousImageId };
}

export interface RebuildFailureBeforeSwap extends TaskFailure {
  /** The image the admission recorded, and the one the instance had before it. */
  imageId: string;
  previousImageId: string | null;
}

/**
 * failTask for a rebuild that ended before the host swapped the disk (Nova keeps the new image_ref even then):
 * the guest still runs the previous image's disk, so the record goes back to that image, in the same transaction
 * as the failure. Only while the record still shows this rebuild's image: nothing else changes image_ref while the
 * rebuild's run holds the instance.
 */
export async function failRebuildBeforeSwap(sql: Sql, step: RebuildFailureBeforeSwap): Promise<InstanceRow> {
  return sql.begin(async (tx) => {
    await tx`
      UPDATE instances SET image_id = ${step.previousImageId}, updated_at = now()
      WHERE uuid = ${step.instanceUuid} AND image_id = ${step.imageId} AND NOT deleted`;
    return failInTransaction(tx, step);
  });
}
