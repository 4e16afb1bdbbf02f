import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * A secret on its way from the API to a compute host (an admin password) through workflow inputs: AES-256-GCM
 * under a key only the API and the hosts derive (from NOVA_METADATA_SECRET, which the conductor never has), bound
 * to its instance. Temporal's history, its Web UI and the conductor see only this.
 */
export interface SealedSecret {
  iv: string;
  tag: string;
  data: string;
}

/** The sealed text could not be opened: another deployment's key, another instance, or tampered with. */
export class SecretUnreadable extends Error {
  constructor(readonly context: string) {
    super(`the secret sealed for ${context} cannot be opened with this host's key`);
    this.name = 'SecretUnreadable';
  }
}

// The label keeps this key apart from the metadata proxy's HMAC, which uses the shared secret itself.
const KEY_LABEL = 'nova-temporal sealed guest secret v1';

function keyOf(sharedSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', sharedSecret, Buffer.alloc(0), KEY_LABEL, 32));
}

/** Seals `plain` for `context` (the instance's uuid), so that it opens for that instance only. */
export function sealSecret(plain: string, sharedSecret: string, context: string): SealedSecret {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(sharedSecret), iv);
  cipher.setAAD(Buffer.from(context));
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

export function openSecret(sealed: SealedSecret, sharedSecret: string, context: string): string {
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(sharedSecret), Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretUnreadable(context);
  }
}
