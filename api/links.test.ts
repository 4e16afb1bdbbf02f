import { collectionLinks, nextLink, selfLinks } from './links';

const ROOT = 'http://api.example:8774';

describe('selfLinks', () => {
  it('gives a versioned self link and an unversioned bookmark', () => {
    expect(selfLinks(ROOT, 'servers', 'abc')).toEqual([
      { rel: 'self', href: `${ROOT}/v2.1/servers/abc` },
      { rel: 'bookmark', href: `${ROOT}/servers/abc` },
    ]);
  });
});

describe('nextLink', () => {
  it('keeps the request parameters sorted by name and replaces the marker', () => {
    const query = new URLSearchParams('name=web+1&marker=old&limit=2');
    expect(nextLink(ROOT, 'servers/detail', query, 'new').href).toBe(
      `${ROOT}/v2.1/servers/detail?limit=2&marker=new&name=web+1`,
    );
  });

  it('uses the last value of a repeated parameter', () => {
    const query = new URLSearchParams('limit=5&limit=3');
    expect(nextLink(ROOT, 'flavors', query, 'x').href).toBe(`${ROOT}/v2.1/flavors?limit=3&marker=x`);
  });
});

describe('collectionLinks', () => {
  const where = { root: ROOT, collectionPath: 'servers', query: new URLSearchParams('limit=2') };

  it('links on after a full page', () => {
    expect(collectionLinks({ count: 2, lastId: 'b', limit: 2 }, where)).toEqual([
      { rel: 'next', href: `${ROOT}/v2.1/servers?limit=2&marker=b` },
    ]);
  });

  it('does not link on after a short page', () => {
    expect(collectionLinks({ count: 1, lastId: 'a', limit: 2 }, where)).toEqual([]);
  });

  it('does not link on after an empty page or a zero limit', () => {
    expect(collectionLinks({ count: 0, lastId: undefined, limit: 2 }, where)).toEqual([]);
    expect(collectionLinks({ count: 0, lastId: undefined, limit: 0 }, where)).toEqual([]);
  });
});
