import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * A secret on its way from the API to a compute host (an admin password) through workflow inputs: AES-256-GCM
 * under a key only the API and the hosts derive (from NOVA_METADATA_SECRET, which the conductor never has), bound
 * to its instance and to a deadline. Temporal's history, its Web UI and the conductor see only this, and a sealed
 * form taken from an old history no longer opens.
 */
export interface SealedSecret {
  iv: string;
  tag: string;
  data: string;
  /** ISO time after which hosts refuse to open it. */
  notAfter: string;
}

/** The sealed text could not be opened: another deployment's key, another instance, expired or tampered with. */
export class SecretUnreadable extends Error {
  constructor(
    readonly context: string,
    readonly reason: 'expired' | 'not authentic',
  ) {
    super(`the secret sealed for ${context} cannot be opened: ${reason}`);
    this.name = 'SecretUnreadable';
  }
}

/** How long a sealed secret opens: its operation's few steps, retries included, and no more. */
export const SEALED_SECRET_LIFETIME_MS = 10 * 60_000;

// The label keeps this key apart from the metadata proxy's HMAC, which uses the shared secret itself.
const KEY_LABEL = 'nova-temporal sealed guest secret v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function keyOf(sharedSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', sharedSecret, Buffer.alloc(0), KEY_LABEL, 32));
}

function associatedData(context: string, notAfter: string): Buffer {
  return Buffer.from(`${context}\n${notAfter}`);
}

/** Seals `plain` for `context` (the instance's uuid), so that it opens for that instance only, until `notAfter`. */
export function sealSecret(plain: string, sharedSecret: string, context: string, now = Date.now()): SealedSecret {
  const iv = randomBytes(IV_BYTES);
  const notAfter = new Date(now + SEALED_SECRET_LIFETIME_MS).toISOString();
  const cipher = createCipheriv('aes-256-gcm', keyOf(sharedSecret), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(context, notAfter));
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag().toString('base64');
  return { iv: iv.toString('base64'), tag, data: data.toString('base64'), notAfter };
}

export function openSecret(sealed: SealedSecret, sharedSecret: string, context: string, now = Date.now()): string {
  const iv = Buffer.from(sealed.iv, 'base64');
  const tag = Buffer.from(sealed.tag, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretUnreadable(context, 'not authentic');
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(sharedSecret), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(context, sealed.notAfter));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretUnreadable(context, 'not authentic');
  }
  if (!(Date.parse(sealed.notAfter) >= now)) throw new SecretUnreadable(context, 'expired');
  return plain;
}
