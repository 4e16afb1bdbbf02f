import { VersionedCache } from './cache';

describe('VersionedCache', () => {
  let now = 0;
  const cache = () => new VersionedCache<string>({ expirationMs: 15_000, maxEntries: 2, now: () => now });

  beforeEach(() => {
    now = 1_000_000;
  });

  it('serves the cached value while the version holds, and loads again when it moves', async () => {
    const c = cache();
    let loads = 0;
    const load = jest.fn(async () => ({ value: `doc@${++loads}`, version: 'v1' }));
    expect(await c.get('a', 'v1', load)).toBe('doc@1');
    expect(await c.get('a', 'v1', load)).toBe('doc@1');
    expect(load).toHaveBeenCalledTimes(1);
    expect(await c.get('a', 'v2', load)).toBe('doc@2');
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('loads again once an entry is older than the expiration, and never caches with expiration 0', async () => {
    const c = cache();
    const load = jest.fn(async () => ({ value: 'doc', version: 'v1' }));
    await c.get('a', 'v1', load);
    now += 15_000;
    await c.get('a', 'v1', load);
    expect(load).toHaveBeenCalledTimes(2);

    const off = new VersionedCache<string>({ expirationMs: 0, maxEntries: 2, now: () => now });
    await off.get('a', 'v1', load);
    await off.get('a', 'v1', load);
    expect(load).toHaveBeenCalledTimes(4);
    expect(off.size).toBe(0);
  });

  it('shares one load between concurrent requests that saw the same version only', async () => {
    const c = cache();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const load = jest.fn(async () => {
      await gate;
      return { value: 'doc', version: 'v1' };
    });
    const reads = [c.get('a', 'v1', load), c.get('a', 'v1', load), c.get('a', 'v2', load)];
    release();
    await Promise.all(reads);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('forgets what a load no longer finds, and the least recently loaded beyond maxEntries', async () => {
    const c = cache();
    await c.get('a', 'v1', async () => ({ value: 'a', version: 'v1' }));
    expect(await c.get('a', 'v2', async () => null)).toBeNull();
    expect(c.size).toBe(0);
    for (const key of ['x', 'y', 'z']) await c.get(key, 'v1', async () => ({ value: key, version: 'v1' }));
    expect(c.size).toBe(2);
    const load = jest.fn(async () => ({ value: 'x again', version: 'v1' }));
    expect(await c.get('x', 'v1', load)).toBe('x again');
  });
});
