import { decryptServerPassword, sshRsaKeyPair } from '../../test/support/server-password';
import { PasswordEncryptionFailed, encryptForServerKey } from './password-encryption';

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGoeEBeNzsyJ7xDwH3ZQpG2uZ2n1kqzRk4MiHKWG8PpB alice@laptop';

describe('encryptForServerKey', () => {
  const pair = sshRsaKeyPair();

  it("encrypts with the server's ssh-rsa key so that only its private key reads the password back", () => {
    const encrypted = encryptForServerKey(pair.publicKey, 'pässword 1')!;
    expect(Buffer.from(encrypted, 'base64')).toHaveLength(256);
    expect(decryptServerPassword(pair.privateKey, encrypted)).toBe('pässword 1');
    // Random padding: the same password never encrypts the same way twice.
    expect(encryptForServerKey(pair.publicKey, 'pässword 1')).not.toBe(encrypted);
    expect(() => decryptServerPassword(sshRsaKeyPair().privateKey, encrypted)).toThrow();
  });

  it('stores nothing for a server without a key or with a key that cannot encrypt', () => {
    expect(encryptForServerKey(null, 'x')).toBeNull();
    expect(encryptForServerKey(undefined, 'x')).toBeNull();
    expect(encryptForServerKey(ED25519, 'x')).toBeNull();
  });

  it('refuses a password longer than the key holds, and a damaged key', () => {
    expect(() => encryptForServerKey(pair.publicKey, 'x'.repeat(246))).toThrow(PasswordEncryptionFailed);
    expect(encryptForServerKey(pair.publicKey, 'x'.repeat(245))).not.toBeNull();
    const truncated = pair.publicKey.split(' ')[1]!.slice(0, 60);
    expect(() => encryptForServerKey(`ssh-rsa ${truncated}`, 'x')).toThrow(PasswordEncryptionFailed);
  });
});
