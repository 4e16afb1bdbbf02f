import { SEALED_SECRET_LIFETIME_MS, SecretUnreadable, openSecret, sealSecret } from './sealed-secret';

const SHARED = 'a-shared-secret-of-the-api-and-hosts';
const INSTANCE = '3f9a2c4e-1b2d-4c3e-8f4a-5b6c7d8e9f01';

function reasonOf(open: () => unknown): string {
  try {
    open();
  } catch (err) {
    if (err instanceof SecretUnreadable) return err.reason;
    throw err;
  }
  return 'opened';
}

describe('sealed secrets', () => {
  it('opens for the instance it was sealed for, and never shows the text', () => {
    const sealed = sealSecret('hunter2-Ünïcode', SHARED, INSTANCE);
    expect(JSON.stringify(sealed)).not.toContain('hunter2');
    expect(openSecret(sealed, SHARED, INSTANCE)).toBe('hunter2-Ünïcode');
  });

  it('seals the same text differently each time', () => {
    expect(sealSecret('same', SHARED, INSTANCE).data).not.toBe(sealSecret('same', SHARED, INSTANCE).data);
  });

  it('refuses another key, another instance, a tampered text, a moved deadline and a shortened tag', () => {
    const sealed = sealSecret('hunter2', SHARED, INSTANCE);
    expect(reasonOf(() => openSecret(sealed, 'another-deployment-secret', INSTANCE))).toBe('not authentic');
    expect(reasonOf(() => openSecret(sealed, SHARED, '00000000-0000-4000-8000-000000000000'))).toBe('not authentic');
    const flipped = Buffer.from(sealed.data, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    expect(reasonOf(() => openSecret({ ...sealed, data: flipped.toString('base64') }, SHARED, INSTANCE))).toBe(
      'not authentic',
    );
    const later = new Date(Date.parse(sealed.notAfter) + 3_600_000).toISOString();
    expect(reasonOf(() => openSecret({ ...sealed, notAfter: later }, SHARED, INSTANCE))).toBe('not authentic');
    const shortTag = Buffer.from(sealed.tag, 'base64').subarray(0, 4).toString('base64');
    expect(reasonOf(() => openSecret({ ...sealed, tag: shortTag }, SHARED, INSTANCE))).toBe('not authentic');
  });

  it('stops opening once its lifetime is over', () => {
    const sealedAt = Date.now();
    const sealed = sealSecret('hunter2', SHARED, INSTANCE, sealedAt);
    expect(openSecret(sealed, SHARED, INSTANCE, sealedAt + SEALED_SECRET_LIFETIME_MS - 1)).toBe('hunter2');
    expect(reasonOf(() => openSecret(sealed, SHARED, INSTANCE, sealedAt + SEALED_SECRET_LIFETIME_MS + 1))).toBe(
      'expired',
    );
  });
});
