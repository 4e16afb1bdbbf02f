import type { InstanceRow } from '../../domain/rows';
import type { Sql } from './db';
import { admitWith, type OperationAdmission } from './admission';

/**
 * What a rebuild changes on the instance record. Absent fields stay as they are; `null` clears the ones Nova
 * lets a rebuild clear (description, key_name). The admin password is not here: it is a secret and never
 * leaves the API.
 */
export interface RebuildChanges {
  imageId: string;
  name?: string;
  /** Replaces the whole metadata, as Nova's rebuild does. */
  metadata?: Record<string, string>;
  description?: string | null;
  accessIPv4?: string;
  accessIPv6?: string;
  keyName?: string | null;
  /** The named key pair's public key (null with keyName null). */
  keyData?: string | null;
  /** Base64 user data from 2.57; null removes it. */
  userData?: string | null;
  diskConfig?: 'AUTO' | 'MANUAL';
}

export interface RebuildAdmission extends OperationAdmission {
  changes: RebuildChanges;
}

/**
 * Rebuild's admission: like every operation's, plus what Nova's API saves before it casts to the conductor:
 * the new image, name, metadata, description, access IPs, key name and disk config, and progress 0, in the
 * same compare-and-set as the task_state. A GET right after the 202 shows the new image.
 */
export async function admitRebuild(sql: Sql, input: RebuildAdmission): Promise<InstanceRow> {
  const c = input.changes;
  const columns: Record<string, unknown> = { task_state: input.taskState, image_id: c.imageId, progress: 0 };
  if (c.name !== undefined) columns['name'] = c.name;
  if (c.description !== undefined) columns['description'] = c.description;
  if (c.accessIPv4 !== undefined) columns['access_ipv4'] = c.accessIPv4;
  if (c.accessIPv6 !== undefined) columns['access_ipv6'] = c.accessIPv6;
  if (c.keyName !== undefined) columns['key_name'] = c.keyName;
  if (c.keyData !== undefined) columns['key_data'] = c.keyData;
  if (c.userData !== undefined) columns['user_data'] = c.userData;
  if (c.diskConfig !== undefined) columns['disk_config'] = c.diskConfig;
  return admitWith(sql, input, async (tx, row) => {
    const metadata = c.metadata === undefined ? tx`` : tx`, metadata = ${tx.json(c.metadata)}`;
    const [admitted] = await tx<InstanceRow[]>`
      UPDATE instances SET ${tx(columns)} ${metadata}, updated_at = now()
      WHERE uuid = ${row.uuid} RETURNING *`;
    return admitted!;
  });
}
