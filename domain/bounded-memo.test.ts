import { boundedMemo } from './bounded-memo';

describe('boundedMemo', () => {
  it('computes a key once, and again only after more than `max` other keys pushed it out', () => {
    const computed: string[] = [];
    const upper = boundedMemo(2, (key) => {
      computed.push(key);
      return key.toUpperCase();
    });
    expect([upper('a'), upper('a'), upper('b')]).toEqual(['A', 'A', 'B']);
    expect(computed).toEqual(['a', 'b']);
    upper('c'); // three keys: 'a', the oldest, is forgotten
    expect([upper('b'), upper('a')]).toEqual(['B', 'A']);
    expect(computed).toEqual(['a', 'b', 'c', 'a']);
  });
});
