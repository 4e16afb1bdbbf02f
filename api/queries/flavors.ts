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
  /** With `isPublic: true`: also the private flavors this project was given access to (non-admins). */
  accessProjectId?: string | undefined;
  includeDisabled: boolean;
  minRamMb?: number | undefined;
  minDiskGb?: number | undefined;
}

function publicCondition(sql: Sql, opts: FlavorListOptions) {
  if (opts.isPublic === null) return null;
  if (!opts.isPublic || opts.accessProjectId === undefined) return sql`is_public = ${opts.isPublic}`;
  return sql`(is_public OR id IN (SELECT flavor_id FROM flavor_projects WHERE project_id = ${opts.accessProjectId}))`;
}

/** Flavors by flavor id, ascending (Nova's default sort), after the marker's id. */
export async function listFlavors(sql: Sql, opts: FlavorListOptions): Promise<FlavorRow[]> {
  if (opts.marker !== undefined) {
    const [found] = await sql`SELECT 1 FROM flavors WHERE id = ${opts.marker}`;
    if (!found) throw new BadRequest(`marker [${opts.marker}] not found`);
  }
  const conditions = [
    publicCondition(sql, opts),
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

/** A flavor the caller may see and use: public, or private with access for its project (admins: any). */
export async function getVisibleFlavor(
  sql: Sql,
  id: string,
  caller: { isAdmin: boolean; projectId: string },
): Promise<FlavorRow | null> {
  const row = await getFlavor(sql, id);
  if (!row || row.is_public || caller.isAdmin) return row;
  const [access] = await sql`
    SELECT 1 FROM flavor_projects WHERE flavor_id = ${id} AND project_id = ${caller.projectId}`;
  return access ? row : null;
}

/** The projects given access to a private flavor, by project id. */
export async function listFlavorAccess(sql: Sql, flavorId: string): Promise<string[]> {
  const rows = await sql<{ project_id: string }[]>`
    SELECT project_id FROM flavor_projects WHERE flavor_id = ${flavorId} ORDER BY project_id`;
  return rows.map((r) => r.project_id);
}
