import { hashPassword, verifyPassword } from './password';

describe('password hashing', () => {
  it('stores scrypt parameters, a random salt and the key, and verifies only the right password', async () => {
    const stored = await hashPassword('s3cret');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await hashPassword('s3cret')).not.toBe(stored);
    expect(await verifyPassword('s3cret', stored)).toBe(true);
    expect(await verifyPassword('s3cret!', stored)).toBe(false);
    expect(await verifyPassword('s3cret', 'plain')).toBe(false);
  });
});
