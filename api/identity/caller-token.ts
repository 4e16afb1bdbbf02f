import type { Request } from 'express';
import type { Sql } from 'postgres';
import { findLiveToken, type TokenRow } from '../queries/identity';
import { unauthorized } from './errors';
import { tokenHash } from './token-value';

/** The caller's token from X-Auth-Token, or 401. */
export async function callerToken(sql: Sql, req: Request): Promise<TokenRow> {
  const value = req.header('x-auth-token');
  const token = value ? await findLiveToken(sql, tokenHash(value)) : undefined;
  if (!token) throw unauthorized();
  return token;
}

export function isAdminToken(token: TokenRow): boolean {
  return token.roles.some((r) => r.name === 'admin');
}
