import type { Sql } from 'postgres';

/*
 * Idempotency keys are the API's own request bookkeeping, like tokens and key pairs: which request first used a
 * key and the answer it got. They never hold instance state, which stays the conductor's.
 */

export interface IdempotencyRow {
  project_id: string;
  key: string;
  fingerprint: string;
  request_id: string;
  state: 'pending' | 'done';
  status: number | null;
  body: unknown;
  location: string | null;
  created_at: Date;
}

export interface KeyClaim {
  projectId: string;
  key: string;
  fingerprint: string;
  requestId: string;
  ttlMs: number;
}

/**
 * Claims a key for a request: inserts it as `pending`, or takes over a row whose time is up. Atomic per key
 * (the primary key), so of two racing requests exactly one claims it. Returns the row another request holds
 * otherwise; undefined when the key was claimed.
 */
export async function claimKey(sql: Sql, claim: KeyClaim): Promise<IdempotencyRow | undefined> {
  for (;;) {
    const claimed = await sql`
      INSERT INTO idempotency_keys (project_id, key, fingerprint, request_id, expires_at)
      VALUES (${claim.projectId}, ${claim.key}, ${claim.fingerprint}, ${claim.requestId},
              now() + ${claim.ttlMs} * interval '1 millisecond')
      ON CONFLICT (project_id, key) DO UPDATE SET
        fingerprint = EXCLUDED.fingerprint, request_id = EXCLUDED.request_id, state = 'pending',
        status = NULL, body = NULL, location = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
      WHERE idempotency_keys.expires_at <= now()
      RETURNING 1`;
    if (claimed.length === 1) return undefined;
    const held = await findKey(sql, claim.projectId, claim.key);
    // Gone in between (its request failed and let it go): claim it again.
    if (held) return held;
  }
}

/** The live row of a key, if any. */
export async function findKey(sql: Sql, projectId: string, key: string): Promise<IdempotencyRow | undefined> {
  const [row] = await sql<IdempotencyRow[]>`
    SELECT project_id, key, fingerprint, request_id, state, status, body, location, created_at
    FROM idempotency_keys
    WHERE project_id = ${projectId} AND key = ${key} AND expires_at > now()`;
  return row;
}

/** Records the answer of the request that holds the key. */
export async function completeKey(
  sql: Sql,
  claim: Pick<KeyClaim, 'projectId' | 'key' | 'requestId'>,
  answer: { status: number; body: unknown; location: string | null },
): Promise<void> {
  await sql`
    UPDATE idempotency_keys
    SET state = 'done', status = ${answer.status}, body = ${answer.body === undefined ? null : sql.json(answer.body as never)},
        location = ${answer.location}
    WHERE project_id = ${claim.projectId} AND key = ${claim.key} AND request_id = ${claim.requestId}`;
}

/** Lets a key go after its request failed: that request started nothing, so a retry may run afresh. */
export async function releaseKey(sql: Sql, claim: Pick<KeyClaim, 'projectId' | 'key' | 'requestId'>): Promise<void> {
  await sql`
    DELETE FROM idempotency_keys
    WHERE project_id = ${claim.projectId} AND key = ${claim.key} AND request_id = ${claim.requestId}
      AND state = 'pending'`;
}

/** Deletes keys whose time is up. */
export async function purgeExpiredKeys(sql: Sql): Promise<number> {
  const result = await sql`DELETE FROM idempotency_keys WHERE expires_at <= now()`;
  return result.count;
}
