import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { generateSshKeyPair, InvalidPublicKey, sshFingerprint } from './ssh-key';

// An ed25519 key as `ssh-keygen -t ed25519` writes it; its MD5 fingerprint from `ssh-keygen -l -E md5`.
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGoeEBeNzsyJ7xDwH3ZQpG2uZ2n1kqzRk4MiHKWG8PpB user@host';

describe('sshFingerprint', () => {
  it('is the colon-separated MD5 of the key blob', () => {
    const blob = Buffer.from(ED25519.split(' ')[1]!, 'base64');
    const md5 = createHash('md5').update(blob).digest('hex');
    expect(sshFingerprint(ED25519)).toBe(md5.match(/../g)!.join(':'));
    expect(sshFingerprint(ED25519)).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  });

  it.each([
    ['not a key', 'hello world'],
    ['an unknown type', 'ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIGoeEBeNzsyJ7xDwH3ZQpG2uZ2n1kqzRk4MiHKWG8PpB'],
    ['a blob of another type', 'ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIGoeEBeNzsyJ7xDwH3ZQpG2uZ2n1kqzRk4MiHKWG8PpB'],
    ['a truncated blob', 'ssh-ed25519 AAAAC3NzaC1lZDI1'],
    ['no blob', 'ssh-rsa'],
  ])('refuses %s', (_what, key) => {
    expect(() => sshFingerprint(key)).toThrow(InvalidPublicKey);
  });
});

describe('generateSshKeyPair', () => {
  it('gives an OpenSSH public line that matches the PEM private key', () => {
    const pair = generateSshKeyPair();
    expect(pair.publicKey).toMatch(/^ssh-rsa [A-Za-z0-9+/]+=* Generated-by-Nova$/);
    expect(pair.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(sshFingerprint(pair.publicKey)).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    const fromPrivate = createPublicKey(createPrivateKey(pair.privateKey)).export({ format: 'jwk' });
    const blob = Buffer.from(pair.publicKey.split(' ')[1]!, 'base64');
    const n = Buffer.from(fromPrivate.n!, 'base64url');
    expect(blob.includes(n)).toBe(true);
  });
});
