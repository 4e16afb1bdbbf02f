import type { Sql } from 'postgres';
import type { KeyPairRow } from '../queries/keypairs';

/*
 * Key pairs are a user's own records, not instance state: like Nova's API database writes, the API keeps them
 * itself. Instances copy the public key at boot, so these rows never feed a running operation.
 */

export interface NewKeyPair {
  name: string;
  userId: string;
  type: string;
  publicKey: string;
  fingerprint: string;
}

export type InsertOutcome = { inserted: KeyPairRow } | { conflict: 'exists' | 'quota' };

/** Inserts a key pair unless the name is taken or the user is at `quota` pairs (-1: none), atomically per user. */
export async function insertKeyPair(sql: Sql, pair: NewKeyPair, quota: number): Promise<InsertOutcome> {
  return sql.begin(async (tx) => {
    // Serializes one user's creates, so two racing creates cannot both pass the quota count.
    await tx`SELECT pg_advisory_xact_lock(hashtext(${`key_pairs:${pair.userId}`}))`;
    const [{ n }] = (await tx`SELECT count(*)::int AS n FROM key_pairs WHERE user_id = ${pair.userId}`) as [
      { n: number },
    ];
    if (quota >= 0 && n >= quota) return { conflict: 'quota' as const };
    const rows = await tx<KeyPairRow[]>`
      INSERT INTO key_pairs (name, user_id, type, public_key, fingerprint)
      VALUES (${pair.name}, ${pair.userId}, ${pair.type}, ${pair.publicKey}, ${pair.fingerprint})
      ON CONFLICT (user_id, name) DO NOTHING
      RETURNING *`;
    return rows[0] ? { inserted: rows[0] } : { conflict: 'exists' as const };
  });
}

/** Deletes a key pair; false when the user has none of that name. */
export async function deleteKeyPair(sql: Sql, userId: string, name: string): Promise<boolean> {
  const rows = await sql`DELETE FROM key_pairs WHERE user_id = ${userId} AND name = ${name}`;
  return rows.count === 1;
}
