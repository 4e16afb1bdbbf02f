import type { KeyObject } from 'node:crypto';

// The SSH wire format of public key blobs (RFC 4253 §6.6): length-prefixed strings and mpints.

/** The blob's fields in order; null when a length runs past its end. */
export function sshWireFields(blob: Buffer): Buffer[] | null {
  const fields: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) return null;
    const end = at + 4 + blob.readUInt32BE(at);
    if (end > blob.length) return null;
    fields.push(blob.subarray(at + 4, end));
    at = end;
  }
  return fields;
}

function wireField(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** An unsigned big-endian integer as an mpint, which is two's complement: a leading 1 bit gets a zero byte. */
function sshMpint(value: Buffer): Buffer {
  return wireField(value[0]! & 0x80 ? Buffer.concat([Buffer.alloc(1), value]) : value);
}

/** An mpint's magnitude, without the sign byte. */
export function mpintMagnitude(mpint: Buffer): Buffer {
  return mpint.subarray(mpint[0] === 0 ? 1 : 0);
}

/** An RSA public key as an OpenSSH public key line: `ssh-rsa <base64 blob> <comment>`. */
export function sshRsaPublicLine(publicKey: KeyObject, comment: string): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([
    wireField(Buffer.from('ssh-rsa')),
    sshMpint(Buffer.from(jwk.e!, 'base64url')),
    sshMpint(Buffer.from(jwk.n!, 'base64url')),
  ]);
  return `ssh-rsa ${blob.toString('base64')} ${comment}`;
}
