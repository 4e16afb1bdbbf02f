import { createHmac } from 'node:crypto';
import { isValidInstanceSignature, signInstanceId } from './metadata-signature';

const SECRET = 'proxy-secret';
const A = '4f0b8c1e-1111-4a4a-8a8a-000000000001';
const B = '4f0b8c1e-2222-4a4a-8a8a-000000000002';

describe('metadata proxy signatures', () => {
  it("signs as Nova's proxy does: hex HMAC-SHA256 of the instance id keyed with the shared secret", () => {
    // hmac.new(b'proxy-secret', b'<id>', hashlib.sha256).hexdigest()
    expect(signInstanceId(SECRET, A)).toBe(createHmac('sha256', SECRET).update(A).digest('hex'));
    expect(signInstanceId(SECRET, A)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts the signature of the same instance under the same secret only', () => {
    const signature = signInstanceId(SECRET, A);
    expect(isValidInstanceSignature(SECRET, A, signature)).toBe(true);
    expect(isValidInstanceSignature(SECRET, B, signature)).toBe(false);
    expect(isValidInstanceSignature('another-secret', A, signature)).toBe(false);
  });

  it('refuses missing, empty, truncated, upper-cased and padded signatures', () => {
    const signature = signInstanceId(SECRET, A);
    expect(isValidInstanceSignature(SECRET, A, undefined)).toBe(false);
    expect(isValidInstanceSignature(SECRET, A, '')).toBe(false);
    expect(isValidInstanceSignature(SECRET, A, signature.slice(0, 63))).toBe(false);
    expect(isValidInstanceSignature(SECRET, A, signature.toUpperCase())).toBe(false);
    expect(isValidInstanceSignature(SECRET, A, `${signature} `)).toBe(false);
  });
});
