import type { Sql } from 'postgres';
import type { FlavorRow } from '../../domain/rows';
import { BadRequest } from '../errors';
import { allOf } from './conditions';

const COLUMNS = [
  'id',
  'name',
  'vcpus',
  'memory_mb',
  'root_gb',
  'ephemeral_gb',
  'swap_mb',
  'rxtx_factor',
  'is_public',
  'disabled',
  'description',
  'extra_specs',
] as const;

export interface FlavorListOptions {
  limit: number;
  marker?: string | undefined;
  /** true: public only, false: private only, null: both (admins). */
  isPublic: boolean | null;
  includeDisabled: boolean;
  minRamMb?: number | undefined;
  minDiskGb?: number | undefined;
}

/** Flavors by flavor id, ascending (Nova's default sort), after the marker's id. */
export async function listFlavors(sql: Sql, opts: FlavorListOptions): Promise<FlavorRow[]> {
  if (opts.marker !== undefined) {
    const [found] = await sql`SELECT 1 FROM flavors WHERE id = ${opts.marker}`;
    if (!found) throw new BadRequest(`marker [${opts.marker}] not found`);
  }
  const conditions = [
    opts.isPublic === null ? null : sql`is_public = ${opts.isPublic}`,
    opts.includeDisabled ? null : sql`NOT disabled`,
    opts.minRamMb === undefined ? null : sql`memory_mb >= ${opts.minRamMb}`,
    opts.minDiskGb === undefined ? null : sql`root_gb >= ${opts.minDiskGb}`,
    opts.marker === undefined ? null : sql`id > ${opts.marker}`,
  ].filter((c) => c !== null);
  return sql<FlavorRow[]>`
    SELECT ${sql(COLUMNS)} FROM flavors
    WHERE ${allOf(sql, conditions)}
    ORDER BY id ASC
    LIMIT ${opts.limit}`;
}

/** One flavor by its flavor id, disabled or not; null when there is none. */
export async function getFlavor(sql: Sql, id: string): Promise<FlavorRow | null> {
  const [row] = await sql<FlavorRow[]>`SELECT ${sql(COLUMNS)} FROM flavors WHERE id = ${id}`;
  return row ?? null;
}
