import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { sshRsaPublicLine } from '../../domain/ssh-wire';

/**
 * What `nova get-password <server> <private key>` does: RSA-decrypts the stored password with the key pair's
 * private key. Node refuses PKCS#1 v1.5 decryption since CVE-2023-46809, so the padding (00 02 <8+ nonzero
 * bytes> 00 <message>) is removed here.
 */
export function decryptServerPassword(privateKeyPem: string, encrypted: string): string {
  const block = privateDecrypt(
    { key: privateKeyPem, padding: constants.RSA_NO_PADDING },
    Buffer.from(encrypted, 'base64'),
  );
  const separator = block.indexOf(0, 2);
  if (block[0] !== 0 || block[1] !== 2 || separator < 10) throw new Error('not PKCS#1 v1.5 encryption padding');
  return block.subarray(separator + 1).toString('utf8');
}

/** A key pair whose OpenSSH public line a server can boot with, and its PEM private key. */
export function sshRsaKeyPair(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKey: sshRsaPublicLine(publicKey, 'test@laptop'),
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}
