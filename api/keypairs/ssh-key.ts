import { createHash, generateKeyPairSync } from 'node:crypto';

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

/** Reads a length-prefixed string from the SSH wire format at `offset`. */
function wireString(blob: Buffer, offset: number): { value: Buffer; next: number } | null {
  if (offset + 4 > blob.length) return null;
  const length = blob.readUInt32BE(offset);
  const end = offset + 4 + length;
  if (end > blob.length) return null;
  return { value: blob.subarray(offset + 4, end), next: end };
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
  const declared = wireString(blob, 0);
  if (!declared || declared.value.toString('latin1') !== type) throw new InvalidPublicKey();
  const digest = createHash('md5').update(blob).digest('hex');
  return digest.match(/../g)!.join(':');
}

function sshMpint(value: Buffer): Buffer {
  // SSH mpints are two's complement: a leading 1 bit needs a zero byte in front.
  const bytes = value[0]! & 0x80 ? Buffer.concat([Buffer.alloc(1), value]) : value;
  return wireField(bytes);
}

function wireField(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * A new RSA key pair as Nova generated them before 2.92: the OpenSSH public line (comment
 * `Generated-by-Nova`) and the PKCS#1 PEM private key, which is returned once and never stored.
 */
export function generateSshKeyPair(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([
    wireField(Buffer.from('ssh-rsa')),
    sshMpint(Buffer.from(jwk.e!, 'base64url')),
    sshMpint(Buffer.from(jwk.n!, 'base64url')),
  ]);
  return {
    publicKey: `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`,
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}
