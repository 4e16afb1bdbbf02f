import type { Sql } from 'postgres';
import type { RoleRef } from '../queries/identity';
import { tokenHash } from './token-value';

/*
 * Issuing and revoking tokens are the identity service's own writes, so they live here rather than in the
 * conductor: they touch only the tokens table. Instance state is still written by the conductor alone.
 */

export interface NewToken {
  value: string;
  userId: string;
  projectId: string;
  roles: RoleRef[];
  methods: string[];
  auditId: string;
  issuedAt: Date;
  expiresAt: Date;
}

export async function insertToken(sql: Sql, token: NewToken): Promise<void> {
  await sql`
    INSERT INTO tokens (token_hash, user_id, project_id, roles, methods, audit_id, issued_at, expires_at)
    VALUES (${tokenHash(token.value)}, ${token.userId}, ${token.projectId}, ${sql.json(token.roles)},
      ${token.methods}, ${token.auditId}, ${token.issuedAt}, ${token.expiresAt})`;
}

/** Revokes a token; true when a live token was revoked. */
export async function revokeToken(sql: Sql, value: string): Promise<boolean> {
  const rows = await sql`
    UPDATE tokens SET revoked = true WHERE token_hash = ${tokenHash(value)} AND NOT revoked AND expires_at > now()`;
  return rows.count === 1;
}
