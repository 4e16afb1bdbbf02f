import { createHash, randomBytes } from 'node:crypto';

/** A new opaque token: 32 random bytes, base64url. Only its hash is ever stored. */
export function newTokenValue(): string {
  return randomBytes(32).toString('base64url');
}

/** The SHA-256 (hex) under which a token is stored and looked up. */
export function tokenHash(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Keystone's audit ids: 16 random bytes, base64url (22 characters). */
export function newAuditId(): string {
  return randomBytes(16).toString('base64url');
}
