import type { Sql } from 'postgres';
import type { InstanceRow } from '../../domain/rows';
import { isUuid } from './uuid';

/**
 * What the metadata service checks on every request: the instance's project and a version of its row. Every
 * instance write sets updated_at, so a version (microseconds of updated_at) that has not moved means a cached
 * document is still right. One primary-key lookup.
 */
export interface InstanceVersion {
  project_id: string;
  version: string;
}

/** The version of a live instance; null when it is unknown, deleted, or the id is not a uuid. */
export async function getInstanceVersion(sql: Sql, uuid: string): Promise<InstanceVersion | null> {
  if (!isUuid(uuid)) return null;
  const [row] = await sql<InstanceVersion[]>`
    SELECT project_id, (extract(epoch FROM updated_at) * 1000000)::bigint::text AS version
    FROM instances WHERE uuid = ${uuid} AND NOT deleted`;
  return row ?? null;
}

/** An instance as the metadata service builds its document from: the row, its host's zone, its version. */
export type MetadataInstanceRow = InstanceRow & { host_availability_zone: string | null; version: string };

export async function getMetadataInstance(sql: Sql, uuid: string): Promise<MetadataInstanceRow | null> {
  if (!isUuid(uuid)) return null;
  const [row] = await sql<MetadataInstanceRow[]>`
    SELECT i.*, h.availability_zone AS host_availability_zone,
           (extract(epoch FROM i.updated_at) * 1000000)::bigint::text AS version
    FROM instances i LEFT JOIN hosts h ON h.name = i.host
    WHERE i.uuid = ${uuid} AND NOT i.deleted`;
  return row ?? null;
}
