import { createHash, generateKeyPairSync } from 'node:crypto';
import { sshRsaPublicLine, sshWireFields } from '../../domain/ssh-wire';

/** The public key types OpenSSH writes and Nova accepts for `type: ssh`. */
const SSH_KEY_TYPES = new Set([
  'ssh-rsa',
  'ssh-dss',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/** Thrown when a public key is not an OpenSSH public key line. */
export class InvalidPublicKey extends Error {
  constructor() {
    super('failed to generate fingerprint');
    this.name = 'InvalidPublicKey';
  }
}

/**
 * Nova's fingerprint of an OpenSSH public key (`<type> <base64 blob> [comment]`): the MD5 of the blob as
 * colon-separated hex, what `ssh-keygen -l -E md5` prints. The blob must name the same type as the line.
 */
export function sshFingerprint(publicKey: string): string {
  const [type, encoded] = publicKey.trim().split(/\s+/);
  if (!type || !encoded || !SSH_KEY_TYPES.has(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new InvalidPublicKey();
  }
  const blob = Buffer.from(encoded, 'base64');
  const declared = sshWireFields(blob)?.[0];
  if (declared?.toString('latin1') !== type) throw new InvalidPublicKey();
  const digest = createHash('md5').update(blob).digest('hex');
  return digest.match(/../g)!.join(':');
}

/**
 * A new RSA key pair as Nova generated them before 2.92: the OpenSSH public line (comment
 * `Generated-by-Nova`) and the PKCS#1 PEM private key, which is returned once and never stored.
 */
export function generateSshKeyPair(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKey: sshRsaPublicLine(publicKey, 'Generated-by-Nova'),
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}
