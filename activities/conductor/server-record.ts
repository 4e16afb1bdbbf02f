import { sanitizeHostname } from '../../domain/hostname';
import type { InstanceRow } from '../../domain/rows';
import type { Sql } from './db';

/**
 * Fields of a server's record that only describe it: `PUT /servers/{id}` changes them at any time, a rebuild's
 * admission may too. Absent fields stay as they are; a `null` description clears it.
 */
export interface ServerRecordChanges {
  name?: string;
  description?: string | null;
  accessIPv4?: string;
  accessIPv6?: string;
  diskConfig?: 'AUTO' | 'MANUAL';
  /** The guest's hostname (2.90): a rename leaves the stored one alone, as in Nova. */
  hostname?: string;
}

/** The record a change is applied to. */
type CurrentRecord = Pick<InstanceRow, 'uuid' | 'name' | 'hostname'>;

/**
 * The instances columns a change writes. A rename of a server stored without a hostname (created before
 * migrations/00023) pins the hostname its old name gave it, so the guest's hostname stays, as in Nova.
 */
export function serverRecordColumns(changes: ServerRecordChanges, current: CurrentRecord): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  if (changes.name !== undefined) columns['name'] = changes.name;
  if (changes.description !== undefined) columns['description'] = changes.description;
  if (changes.accessIPv4 !== undefined) columns['access_ipv4'] = changes.accessIPv4;
  if (changes.accessIPv6 !== undefined) columns['access_ipv6'] = changes.accessIPv6;
  if (changes.diskConfig !== undefined) columns['disk_config'] = changes.diskConfig;
  if (changes.hostname !== undefined) columns['hostname'] = changes.hostname;
  else if (changes.name !== undefined && current.hostname === null) {
    columns['hostname'] = sanitizeHostname(current.name, current.uuid);
  }
  return columns;
}

export interface ServerRecordUpdate {
  instanceUuid: string;
  changes: ServerRecordChanges;
}

/**
 * Nova's update_instance: writes the changed fields whatever the server's state, because no operation's steps
 * depend on them (a rebuild's admission writes them too, and the later write wins, as in Nova). One
 * transaction (ONE_TRANSACTION_STEPS), so a second run of the workflow task finds the step recorded instead of
 * writing the change again over a later one. `updated_at` moves only when something was written. False when the
 * server is gone.
 */
export async function updateServerRecord(sql: Sql, update: ServerRecordUpdate): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [current] = await tx<CurrentRecord[]>`
      SELECT uuid, name, hostname FROM instances WHERE uuid = ${update.instanceUuid} AND NOT deleted FOR UPDATE`;
    if (!current) return false;
    const columns = serverRecordColumns(update.changes, current);
    if (Object.keys(columns).length > 0) {
      await tx`UPDATE instances SET ${tx(columns)}, updated_at = now() WHERE uuid = ${current.uuid}`;
    }
    return true;
  });
}
