import type { Sql } from 'postgres';

export interface KeyPairRow {
  id: string;
  name: string;
  user_id: string;
  type: string;
  public_key: string;
  fingerprint: string;
  created_at: Date;
}

/** A user's key pairs by name, after the marker name (Nova pages key pairs by name from 2.35). */
export async function listKeyPairs(
  sql: Sql,
  opts: { userId: string; limit: number; marker?: string | undefined },
): Promise<KeyPairRow[]> {
  const after = opts.marker === undefined ? sql`TRUE` : sql`name > ${opts.marker}`;
  return sql<KeyPairRow[]>`
    SELECT * FROM key_pairs WHERE user_id = ${opts.userId} AND ${after} ORDER BY name LIMIT ${opts.limit}`;
}

export async function getKeyPair(sql: Sql, userId: string, name: string): Promise<KeyPairRow | null> {
  const [row] = await sql<KeyPairRow[]>`SELECT * FROM key_pairs WHERE user_id = ${userId} AND name = ${name}`;
  return row ?? null;
}

export async function countKeyPairs(sql: Sql, userId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM key_pairs WHERE user_id = ${userId}`;
  return row?.n ?? 0;
}
