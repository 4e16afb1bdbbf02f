import type { Sql } from 'postgres';

/** Whether a compute host of this name has ever registered. */
export async function hostExists(sql: Sql, name: string): Promise<boolean> {
  const rows = await sql`SELECT 1 FROM hosts WHERE name = ${name}`;
  return rows.length === 1;
}
