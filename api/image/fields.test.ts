import { hasNul, tagSet } from './fields';

describe('hasNul', () => {
  it('finds a NUL in strings, keys and nested values', () => {
    expect(hasNul('a\u0000b')).toBe(true);
    expect(hasNul({ ['k\u0000']: 'v' })).toBe(true);
    expect(hasNul([{ op: 'add', value: ['x', 'y\u0000'] }])).toBe(true);
    expect(hasNul({ name: 'fine', tags: ['a'], min_ram: 1, protected: null })).toBe(false);
  });
});

describe('tagSet', () => {
  it('drops duplicates and keeps the first order', () => {
    expect(tagSet(['b', 'a', 'b'])).toEqual(['b', 'a']);
  });
});
