import { SecretUnreadable, openSecret, sealSecret } from './sealed-secret';

const SHARED = 'a-shared-secret-of-the-api-and-hosts';
const INSTANCE = '3f9a2c4e-1b2d-4c3e-8f4a-5b6c7d8e9f01';

describe('sealed secrets', () => {
  it('opens for the instance it was sealed for, and never shows the text', () => {
    const sealed = sealSecret('hunter2-Ünïcode', SHARED, INSTANCE);
    expect(JSON.stringify(sealed)).not.toContain('hunter2');
    expect(openSecret(sealed, SHARED, INSTANCE)).toBe('hunter2-Ünïcode');
  });

  it('seals the same text differently each time', () => {
    expect(sealSecret('same', SHARED, INSTANCE).data).not.toBe(sealSecret('same', SHARED, INSTANCE).data);
  });

  it('refuses another key, another instance and a tampered text', () => {
    const sealed = sealSecret('hunter2', SHARED, INSTANCE);
    expect(() => openSecret(sealed, 'another-deployment-secret', INSTANCE)).toThrow(SecretUnreadable);
    expect(() => openSecret(sealed, SHARED, '00000000-0000-4000-8000-000000000000')).toThrow(SecretUnreadable);
    const flipped = Buffer.from(sealed.data, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => openSecret({ ...sealed, data: flipped.toString('base64') }, SHARED, INSTANCE)).toThrow(
      SecretUnreadable,
    );
  });
});
