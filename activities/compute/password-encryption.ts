import { constants, createPublicKey, publicEncrypt, type KeyObject } from 'node:crypto';
import { mpintMagnitude, sshWireFields } from '../../domain/ssh-wire';

/**
 * The server's ssh-rsa key cannot encrypt the password: a password longer than the key holds (245 bytes for 2048
 * bits), or a damaged key record (the key pair API validates keys). Nova's EncryptionFailure.
 */
export class PasswordEncryptionFailed extends Error {
  constructor(reason: string) {
    super(`the server's ssh-rsa key cannot encrypt its admin password: ${reason}`);
    this.name = 'PasswordEncryptionFailed';
  }
}

function rsaKeyOf(publicKey: string): KeyObject {
  const [, encoded] = publicKey.trim().split(/\s+/);
  const [type, e, n] = sshWireFields(Buffer.from(encoded ?? '', 'base64')) ?? [];
  if (type?.toString() !== 'ssh-rsa' || !e || !n) throw new PasswordEncryptionFailed('the key does not parse');
  const jwk = { kty: 'RSA', n: mpintMagnitude(n).toString('base64url'), e: mpintMagnitude(e).toString('base64url') };
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw new PasswordEncryptionFailed('the key does not parse');
  }
}

/**
 * Nova's ssh_encrypt_text for a server's admin password (the libvirt driver's
 * _save_instance_password_if_sshkey_present): RSA PKCS#1 v1.5 with the server's key, base64, so that only the
 * holder of the private key reads it back (`nova get-password <server> <private key>`). Null when the server has
 * no ssh-rsa key: other key types cannot encrypt.
 */
export function encryptForServerKey(keyData: string | null | undefined, text: string): string | null {
  if (!keyData?.startsWith('ssh-rsa')) return null;
  const key = rsaKeyOf(keyData);
  try {
    return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(text, 'utf8')).toString('base64');
  } catch {
    throw new PasswordEncryptionFailed('the password is longer than the key can hold');
  }
}
