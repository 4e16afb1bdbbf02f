import { canonicalJson, requestFingerprint, withoutSecrets } from './fingerprint';

describe('request fingerprints', () => {
  it('ignores the order of keys at every level', () => {
    const a = { server: { name: 'a', flavorRef: '1', metadata: { x: '1', y: '2' } } };
    const b = { server: { metadata: { y: '2', x: '1' }, flavorRef: '1', name: 'a' } };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(requestFingerprint('POST', '/servers', a)).toBe(requestFingerprint('POST', '/servers', b));
  });

  it('differs with the body, the path or the method', () => {
    const body = { 'os-stop': null };
    const base = requestFingerprint('POST', '/servers/1/action', body);
    expect(requestFingerprint('POST', '/servers/1/action', { 'os-start': null })).not.toBe(base);
    expect(requestFingerprint('POST', '/servers/2/action', body)).not.toBe(base);
    expect(requestFingerprint('PUT', '/servers/1/action', body)).not.toBe(base);
    expect(requestFingerprint('POST', '/servers/1/action', [body])).not.toBe(base);
  });

  it('keeps no adminPass, however deep, in a stored answer', () => {
    expect(withoutSecrets({ server: { id: 'x', adminPass: 'secret', links: [{ adminPass: 'y' }] } })).toEqual({
      server: { id: 'x', links: [{}] },
    });
    expect(withoutSecrets({ adminPass: 'secret' })).toEqual({});
  });

  it('is keyed when the API has a secret, so a stored fingerprint cannot be checked against guessed bodies', () => {
    const body = { changePassword: { adminPass: 'hunter2' } };
    const plain = requestFingerprint('POST', '/servers/x/action', body);
    const keyed = requestFingerprint('POST', '/servers/x/action', body, 'api-secret');
    expect(keyed).not.toBe(plain);
    expect(requestFingerprint('POST', '/servers/x/action', body, 'api-secret')).toBe(keyed);
    expect(requestFingerprint('POST', '/servers/x/action', body, 'another-secret')).not.toBe(keyed);
  });
});
