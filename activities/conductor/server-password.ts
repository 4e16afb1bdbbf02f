import type { ServerPasswordPostOutcome } from '../../domain/server-password';
import type { Queryable, Sql } from './db';

export interface ServerPasswordRef {
  instanceUuid: string;
}

export interface ServerPasswordPost extends ServerPasswordRef {
  /** What the guest posted: normally its generated password, encrypted with the server's key and base64. */
  password: string;
}

type PasswordRecord = { uuid: string; server_password: string | null };

const lockedRecord = (sql: Queryable, instanceUuid: string) => sql<PasswordRecord[]>`
  SELECT uuid, server_password FROM instances WHERE uuid = ${instanceUuid} AND NOT deleted FOR UPDATE`;

/**
 * A guest posting its password to the metadata service (Nova's handle_password): stored only while none is, so
 * the first post wins and a later one is refused. Nova checks its metadata cache, which lets two posts in quick
 * succession both land; here the check and the write are one transaction (ONE_TRANSACTION_STEPS).
 */
export async function storeServerPassword(sql: Sql, post: ServerPasswordPost): Promise<ServerPasswordPostOutcome> {
  return sql.begin(async (tx) => {
    const [row] = await lockedRecord(tx, post.instanceUuid);
    if (!row) return 'gone';
    if (row.server_password) return 'already-set';
    // An empty post stores nothing, as in Nova, and writes nothing: the server's updated_at stays.
    if (post.password) {
      await tx`UPDATE instances SET server_password = ${post.password}, updated_at = now() WHERE uuid = ${row.uuid}`;
    }
    return 'stored';
  });
}

/**
 * DELETE /servers/{id}/os-server-password: forgets the stored password (the guest's own is unchanged), in any
 * state, beside whatever operation runs; nothing is written when none is stored. One transaction
 * (ONE_TRANSACTION_STEPS). False when the server is gone.
 */
export async function clearServerPassword(sql: Sql, ref: ServerPasswordRef): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [row] = await lockedRecord(tx, ref.instanceUuid);
    if (!row) return false;
    if (row.server_password !== null) {
      await tx`UPDATE instances SET server_password = NULL, updated_at = now() WHERE uuid = ${row.uuid}`;
    }
    return true;
  });
}
