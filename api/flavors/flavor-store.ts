import type { Sql } from 'postgres';
import type { FlavorRow } from '../../domain/rows';

/*
 * Flavors are an operator's catalogue, not instance state: like Nova's API database (and key pairs and quotas
 * here), the API writes them itself. Instances carry a copy of their flavor, so no change here reaches one.
 */

export interface NewFlavor {
  id: string;
  name: string;
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  ephemeralGb: number;
  swapMb: number;
  rxtxFactor: number;
  isPublic: boolean;
  description: string | null;
}

export type FlavorInsertOutcome = { inserted: FlavorRow } | { conflict: 'id' | 'name' };

const UNIQUE_VIOLATION = '23505';

/** Inserts a flavor; a taken id or name is a conflict (the primary key and the name's unique index decide). */
export async function insertFlavor(sql: Sql, flavor: NewFlavor): Promise<FlavorInsertOutcome> {
  try {
    const [row] = await sql<FlavorRow[]>`
      INSERT INTO flavors (id, name, vcpus, memory_mb, root_gb, ephemeral_gb, swap_mb, rxtx_factor, is_public,
                           description)
      VALUES (${flavor.id}, ${flavor.name}, ${flavor.vcpus}, ${flavor.memoryMb}, ${flavor.rootGb},
              ${flavor.ephemeralGb}, ${flavor.swapMb}, ${flavor.rxtxFactor}, ${flavor.isPublic}, ${flavor.description})
      RETURNING *`;
    return { inserted: row! };
  } catch (err) {
    const pg = err as { code?: string; constraint_name?: string };
    if (pg.code !== UNIQUE_VIOLATION) throw err;
    return { conflict: pg.constraint_name === 'flavors_pkey' ? 'id' : 'name' };
  }
}

/** Sets a flavor's description (2.55); null when there is no such flavor. */
export async function setFlavorDescription(
  sql: Sql,
  id: string,
  description: string | null,
): Promise<FlavorRow | null> {
  const [row] = await sql<FlavorRow[]>`UPDATE flavors SET description = ${description} WHERE id = ${id} RETURNING *`;
  return row ?? null;
}

/** Deletes a flavor and its access list; instances keep their copy. False when there is no such flavor. */
export async function deleteFlavor(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql`DELETE FROM flavors WHERE id = ${id}`;
  return rows.count === 1;
}

/** Adds or replaces extra specs, keeping the others; false when there is no such flavor. */
export async function mergeExtraSpecs(sql: Sql, id: string, specs: Record<string, string>): Promise<boolean> {
  const rows = await sql`UPDATE flavors SET extra_specs = extra_specs || ${sql.json(specs)} WHERE id = ${id}`;
  return rows.count === 1;
}

/** Removes one extra spec; false when the flavor has no such key (or does not exist). */
export async function deleteExtraSpec(sql: Sql, id: string, key: string): Promise<boolean> {
  const rows =
    await sql`UPDATE flavors SET extra_specs = extra_specs - ${key} WHERE id = ${id} AND extra_specs ? ${key}`;
  return rows.count === 1;
}

/** Grants a project access to a flavor; false when it already had it. */
export async function addFlavorAccess(sql: Sql, flavorId: string, projectId: string): Promise<boolean> {
  const rows = await sql`
    INSERT INTO flavor_projects (flavor_id, project_id) VALUES (${flavorId}, ${projectId})
    ON CONFLICT DO NOTHING`;
  return rows.count === 1;
}

/** Withdraws a project's access; false when it had none. */
export async function removeFlavorAccess(sql: Sql, flavorId: string, projectId: string): Promise<boolean> {
  const rows = await sql`DELETE FROM flavor_projects WHERE flavor_id = ${flavorId} AND project_id = ${projectId}`;
  return rows.count === 1;
}
