import { applyMetadataChange } from './metadata';

describe('applyMetadataChange', () => {
  const current = { role: 'web', tier: 'front' };

  it('merges, replaces or drops one key', () => {
    expect(
      applyMetadataChange(current, { set: { tier: 'back', env: 'prod' }, replace: false, deleteKey: null }),
    ).toEqual({ role: 'web', tier: 'back', env: 'prod' });
    expect(applyMetadataChange(current, { set: { only: 'this' }, replace: true, deleteKey: null })).toEqual({
      only: 'this',
    });
    expect(applyMetadataChange(current, { set: {}, replace: false, deleteKey: 'role' })).toEqual({ tier: 'front' });
  });

  it('gives the same result when applied again, as a retried activity does', () => {
    const change = { set: { tier: 'back' }, replace: false, deleteKey: 'role' };
    const once = applyMetadataChange(current, change);
    expect(applyMetadataChange(once, change)).toEqual(once);
  });
});
