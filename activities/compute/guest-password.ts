import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * The admin password as the guest keeps it, like a line of /etc/shadow: a salted scrypt hash, never the text.
 * The guest agent that sets it (qemu-guest-agent's guest-set-user-password) is what this stands for.
 */
const HASH_BYTES = 32;

export function hashGuestPassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${scryptSync(password, salt, HASH_BYTES).toString('base64')}`;
}

export function guestPasswordMatches(stored: string | undefined, candidate: string): boolean {
  const [scheme, salt, hash] = stored?.split('$') ?? [];
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  if (expected.length !== HASH_BYTES) return false;
  return timingSafeEqual(expected, scryptSync(candidate, Buffer.from(salt, 'base64'), HASH_BYTES));
}
