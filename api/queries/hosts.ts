import type { Sql } from 'postgres';

/** Whether a compute host of this name has ever registered. */
export async function hostExists(sql: Sql, name: string): Promise<boolean> {
  const rows = await sql`SELECT 1 FROM hosts WHERE name = ${name}`;
  return rows.length === 1;
}

/** The availability zone of a compute host; null when no host of this name has registered. */
export async function hostZone(sql: Sql, name: string): Promise<string | null> {
  const [row] = await sql<{ availability_zone: string }[]>`SELECT availability_zone FROM hosts WHERE name = ${name}`;
  return row?.availability_zone ?? null;
}
