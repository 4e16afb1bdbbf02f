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

/** The instances columns a change writes. */
export function serverRecordColumns(changes: ServerRecordChanges): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  if (changes.name !== undefined) columns['name'] = changes.name;
  if (changes.description !== undefined) columns['description'] = changes.description;
  if (changes.accessIPv4 !== undefined) columns['access_ipv4'] = changes.accessIPv4;
  if (changes.accessIPv6 !== undefined) columns['access_ipv6'] = changes.accessIPv6;
  if (changes.diskConfig !== undefined) columns['disk_config'] = changes.diskConfig;
  if (changes.hostname !== undefined) columns['hostname'] = changes.hostname;
  return columns;
}

export interface ServerRecordUpdate {
  instanceUuid: string;
  changes: ServerRecordChanges;
}

/**
 * Nova's update_instance: writes the changed fields whatever the server's state, because no operation's steps
 * depend on them (a rebuild's admission writes them too, and the later write wins, as in Nova). `updated_at`
 * moves only when something was written. False when the server is gone; writing the same change again gives
 * the same record, so a retried step is harmless.
 */
export async function updateServerRecord(sql: Sql, update: ServerRecordUpdate): Promise<boolean> {
  const columns = serverRecordColumns(update.changes);
  const found =
    Object.keys(columns).length === 0
      ? await sql`SELECT 1 FROM instances WHERE uuid = ${update.instanceUuid} AND NOT deleted`
      : await sql`
          UPDATE instances SET ${sql(columns)}, updated_at = now()
          WHERE uuid = ${update.instanceUuid} AND NOT deleted RETURNING 1`;
  return found.length > 0;
}
